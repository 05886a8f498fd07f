"""The scenario plan: accounts and their visitors, in fixed-size blocks with their own random
streams."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import numpy as np

from pulse import catalog
from pulse.generator.catalog_pools import (
    AREA_FEATURES,
    FEATURE_AREA,
    FEATURE_POPULARITY,
    FEATURE_RANK_IN_AREA,
    N_FEATURES,
)
from pulse.generator.common import DAY, NEVER, STREAM_PLAN, Span, random_stream
from pulse.generator.renewals import Renewal, plan_renewals
from pulse.generator.vocabulary import (
    BROWSER_WEIGHTS,
    BROWSERS,
    CSM_OWNERS,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    NAME_ADJECTIVES,
    NAME_NOUNS,
    NAME_SUFFIXES,
    NEGLECTFUL_CSM,
    OLD_ACCOUNT_SHARE,
    REGION_OFFSETS,
    REGION_WEIGHTS,
    REGIONS,
    ROLE_AFFINITY,
    SPECIAL_NAMES,
)


@dataclass
class AccountBlock:
    """A block of planned accounts (a subset of them once selected) and their visitors."""

    index: int  # block number: its random streams are keyed on it
    first: int  # position of its first account in the output (set by make_world)
    # accounts (length n)
    plan_index: np.ndarray  # account number in the plan (ids and names derive from it)
    tier: np.ndarray
    tier_variant: np.ndarray
    seats: np.ndarray
    seats_mode: np.ndarray  # 0 number, 1 empty, 2 "0"
    created: np.ndarray
    health: np.ndarray
    region: np.ndarray
    offset: np.ndarray
    industry: np.ndarray
    csm: np.ndarray
    neglected: np.ndarray
    last_touch: np.ndarray
    stalled_from: np.ndarray
    churn: np.ndarray
    value_share: np.ndarray
    value_from: np.ndarray  # no value event before this time (data source connected)
    adopted_at: np.ndarray  # (n, features) adoption time
    parent: np.ndarray
    arr_now: np.ndarray
    arr_mode: np.ndarray  # 0 int, 1 ".00", 2 empty
    renewal_next: list[date | None]
    renewals: list[list[Renewal]]
    names: list[str]
    setup_steps_done: np.ndarray
    setup_times: np.ndarray  # (n, 7)
    n_visitors: np.ndarray
    first_visitor: np.ndarray  # index of the account's first visitor within the block
    # visitors (length v; fields named visitor_*: `select` relies on the prefix)
    visitor_account: np.ndarray  # account index within the block
    visitor_number: np.ndarray
    visitor_role: np.ndarray
    visitor_persona: np.ndarray
    visitor_start: np.ndarray
    visitor_stop: np.ndarray
    visitor_break_start: np.ndarray
    visitor_break_end: np.ndarray
    visitor_browser: np.ndarray
    visitor_offset: np.ndarray  # time zone (index into OFFSET_LABELS)
    visitor_feature_pref: np.ndarray  # (v, features)
    visitor_email: list[str | None]
    expected: np.ndarray = field(default_factory=lambda: np.zeros(0))  # events per account

    @property
    def n(self) -> int:
        return len(self.tier)

    def select(self, keep: np.ndarray) -> AccountBlock:
        """Only the accounts where `keep` is True (and their visitors)."""
        keep = np.asarray(keep, dtype=bool)
        if keep.all():
            return self
        idx = np.nonzero(keep)[0]
        v_idx = np.nonzero(keep[self.visitor_account])[0]
        new_pos = np.cumsum(keep) - 1  # old account index -> new one
        values: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if name in ("index", "first"):
                values[name] = value
            elif name == "expected":
                values[name] = value[idx] if len(value) == self.n else value
            elif name.startswith("visitor_"):
                sel = v_idx
                values[name] = [value[i] for i in sel] if isinstance(value, list) else value[sel]
            elif isinstance(value, list):
                values[name] = [value[i] for i in idx]
            else:
                values[name] = value[idx]
        values["visitor_account"] = new_pos[self.visitor_account[v_idx]]
        n_visitors = values["n_visitors"]
        values["first_visitor"] = np.concatenate([[0], np.cumsum(n_visitors)[:-1]]).astype(np.int64)
        return AccountBlock(**values)


def block_size(days: int) -> int:
    """Accounts per block: 8 at 180 days, fewer for long spans (bounded events per block)."""
    return int(max(1, min(8, round(8 * 180 / max(days, 1)))))


def domain_slug(name: str, idx: int) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "", ascii_name)[:18]
    return slug or f"account{idx + 1}"


def plan_block(seed: int, block_index: int, size: int, span: Span) -> AccountBlock:
    """Accounts [block_index * size, (block_index + 1) * size): independent of how many
    accounts follow. The steps draw from the block's stream in a fixed order (changing the
    order changes every sample)."""
    rng = random_stream(seed, STREAM_PLAN, block_index)
    plan_index = block_index * size + np.arange(size)
    contract = _plan_contracts(rng, size)
    created = _plan_created(rng, size, span)
    profile = _plan_profile(rng, size, span)
    health = profile.health
    parent = _plan_parents(rng, plan_index)
    rng.random(3 * size * 4)  # (the draws of the former anniversary-only renewals)
    u_stall = rng.random(size)
    stall_days = rng.uniform(20, 75, size)
    value_share = _plan_value_share(rng, health)
    adopted_at = _plan_adoption(rng, created, health, contract.seats)
    setup_steps_done, setup_offsets = _plan_setup(rng, health)
    names = _account_names(rng, plan_index)
    visitors = _plan_visitors(
        rng, span, created, health, contract.seats, setup_steps_done, setup_offsets
    )
    # contracts renew every term (planned once the visitors are known: who still uses the
    # product at a renewal counts); own stream: the plan draws that follow stay where they were
    churn, arr_now, renewals, renewal_next = plan_renewals(
        random_stream(seed, STREAM_PLAN, block_index, 1),
        contract.tier,
        created,
        health,
        contract.arr_start,
        span,
        visitors.first_visitor,
        visitors.start,
        visitors.stop,
    )
    churned = churn < NEVER
    # people join a churned account only before it churns
    visitor_created = created[visitors.account]
    visitor_start = np.minimum(
        visitors.start, np.maximum(churn[visitors.account] - 3600, visitor_created + 60)
    )
    stalled = (~churned) & (u_stall < np.clip(0.34 - 0.45 * health, 0.0, 0.3))
    stalled_from = np.where(stalled, span.t1 - stall_days * DAY, float(NEVER)).astype(np.int64)
    _sponsors_leave(rng, span, churned, visitors, visitor_start)
    habits = _visitor_habits(rng, span, profile.region, visitors)
    emails = _visitor_emails(rng, names, plan_index, visitors)
    # value events start once a data source is connected (setup step 3), after a first-value lag
    first_value_lag = (rng.exponential(1.0, size) * (5 * DAY) * (1.7 - health)).astype(np.int64)
    setup_times = visitors.admin_start[:, None] + setup_offsets
    value_from = np.where(setup_steps_done >= 3, setup_times[:, 2] + first_value_lag, NEVER)
    return AccountBlock(
        index=block_index,
        first=block_index * size,
        plan_index=plan_index,
        tier=contract.tier,
        tier_variant=contract.tier_variant,
        seats=contract.seats,
        seats_mode=contract.seats_mode,
        created=created,
        health=health,
        region=profile.region,
        offset=profile.offset,
        industry=profile.industry,
        csm=profile.csm,
        neglected=profile.neglected,
        last_touch=profile.last_touch,
        stalled_from=stalled_from,
        churn=churn,
        value_share=value_share,
        value_from=value_from,
        adopted_at=adopted_at,
        parent=parent,
        arr_now=arr_now,
        arr_mode=contract.arr_mode,
        renewal_next=renewal_next,
        renewals=renewals,
        names=names,
        setup_steps_done=setup_steps_done,
        setup_times=setup_times,
        n_visitors=visitors.n_visitors,
        first_visitor=visitors.first_visitor,
        visitor_account=visitors.account,
        visitor_number=visitors.number,
        visitor_role=visitors.role,
        visitor_persona=visitors.persona,
        visitor_start=visitor_start,
        visitor_stop=visitors.stop,
        visitor_break_start=habits.break_start,
        visitor_break_end=habits.break_end,
        visitor_browser=habits.browser,
        visitor_offset=habits.offset,
        visitor_feature_pref=habits.feature_pref,
        visitor_email=emails,
    )


class _Contracts(NamedTuple):
    tier: np.ndarray
    tier_variant: np.ndarray  # how the tier is spelled
    seats: np.ndarray
    seats_mode: np.ndarray  # 0 number, 1 empty, 2 "0"
    arr_start: np.ndarray  # ARR before the renewals in the span
    arr_mode: np.ndarray  # 0 int, 1 ".00", 2 empty


def _plan_contracts(rng: np.random.Generator, n: int) -> _Contracts:
    """Plan tier, seats and ARR (log-uniform within the tier's range)."""
    tiers = catalog.PLAN_TIERS
    tier = rng.choice(len(tiers), n, p=[0.35, 0.30, 0.22, 0.13])
    tier_variant = rng.choice(5, n, p=[0.6, 0.2, 0.1, 0.06, 0.04])
    lo = np.array([t.seats_min for t in tiers])[tier]
    hi = np.array([t.seats_max for t in tiers])[tier]
    seats = rng.integers(lo, hi + 1)
    u = rng.random(n)
    seats_mode = np.where(u < 0.04, 1, np.where(u < 0.07, 2, 0))
    log_lo = np.log(np.array([t.arr_min_usd for t in tiers])[tier])
    log_hi = np.log(np.array([t.arr_max_usd for t in tiers])[tier])
    arr_start = np.round(np.exp(log_lo + (log_hi - log_lo) * rng.random(n)), -2)
    arr_mode = rng.choice(3, n, p=[0.83, 0.15, 0.02])
    return _Contracts(tier, tier_variant, seats, seats_mode, arr_start, arr_mode)


def _plan_created(rng: np.random.Generator, n: int, span: Span) -> np.ndarray:
    """When each account was created: about a fifth before the span (established customers),
    the rest inside it, so their onboarding (setup steps, first 90 days) is in the data.
    Sign-ups taper off over the span (density 1.5 -> 0.5), so most new accounts are past
    onboarding at its end."""
    old = rng.random(n) < OLD_ACCOUNT_SHARE
    before = rng.uniform(20, 900, n) * DAY
    taper = 1.5 - np.sqrt(2.25 - 2.0 * rng.random(n))
    inside = taper * max(span.days - 5, 1) * DAY
    created = np.where(old, span.t0 - before, span.t0 + inside).astype(np.int64)
    return np.minimum(created, span.t1 - 6 * 3600)


class _Profile(NamedTuple):
    health: np.ndarray  # 0..1: drives usage, NPS, tickets, renewals
    region: np.ndarray
    offset: np.ndarray  # the account's time zone (index into OFFSET_LABELS)
    industry: np.ndarray
    csm: np.ndarray
    neglected: np.ndarray  # its CSM rarely touches it
    last_touch: np.ndarray  # a neglected account's last CRM touchpoint


def _plan_profile(rng: np.random.Generator, n: int, span: Span) -> _Profile:
    health = rng.beta(2.3, 1.6, n)
    region = rng.choice(len(REGIONS), n, p=REGION_WEIGHTS)
    which = rng.integers(0, 2, n)
    offset = np.array([REGION_OFFSETS[r][w] for r, w in zip(region, which, strict=True)])
    industry = rng.integers(0, len(INDUSTRIES), n)
    csm = rng.integers(0, len(CSM_OWNERS), n)
    neglected = rng.random(n) < np.where(csm == NEGLECTFUL_CSM, 0.6, 0.08)
    last_touch = (span.t1 - rng.uniform(50, 160, n) * DAY).astype(np.int64)
    return _Profile(health, region, offset, industry, csm, neglected, last_touch)


def _plan_parents(rng: np.random.Generator, plan_index: np.ndarray) -> np.ndarray:
    """Companies with several accounts: ~10 % point to one of the nearby "head" accounts
    (plan account numbers; -1: none)."""
    n = len(plan_index)
    heads = 13
    last_head = (plan_index - 1) // heads
    pick = last_head - rng.integers(0, 5, n) % np.maximum(last_head + 1, 1)
    return np.where(
        (rng.random(n) < 0.1) & (plan_index >= 1) & (plan_index % heads != 0),
        pick * heads,
        -1,
    ).astype(np.int64)


def _plan_value_share(rng: np.random.Generator, health: np.ndarray) -> np.ndarray:
    """Value events (reports shared, dashboards published, ...): a share of the account's
    events that grows with engagement; engaged accounts also have more events per seat, so
    they reach several value events per seat and month and weak ones do not. Some accounts
    (mostly weak ones) use the product but hardly ever get to value."""
    n = len(health)
    value_share = np.minimum((0.02 + 0.2 * health) * rng.lognormal(0.0, 0.3, n), 0.3)
    no_value = rng.random(n) < np.clip(0.46 - 0.5 * health, 0.04, 0.38)
    return np.where(no_value, 0.0015, value_share)


def _plan_adoption(
    rng: np.random.Generator, created: np.ndarray, health: np.ndarray, seats: np.ndarray
) -> np.ndarray:
    """When each account adopts each feature (NEVER: not at all), shape (n, features).

    Product areas are adopted one after another (analytics, where the dashboards are, first),
    and each goes deeper over time: its core feature first, then the others in catalogue
    order. Engaged accounts and large teams go deep (>= 3 features) in several areas; weak
    ones stay basic in a few."""
    n = len(health)
    n_areas = len(catalog.PRODUCT_AREAS)
    health_col = health[:, None]
    team = np.log2(seats / 20)
    breadth = 6.0 * (health - 0.3) + 0.3 * team + rng.normal(0.0, 0.6, n)
    n_deep = np.clip(np.round(breadth), 0, n_areas).astype(np.int64)
    n_used = np.clip(n_deep + rng.integers(0, 3, n), 1, n_areas)
    area_key = rng.random((n, n_areas))
    area_key[:, 0] = -1.0  # analytics first
    area_rank = np.argsort(np.argsort(area_key, axis=1), axis=1)
    deep_depth = 3 + (rng.random((n, n_areas, 2)) < 0.5).sum(axis=2)
    basic_depth = 1 + (rng.random((n, n_areas)) < 0.4)
    area_depth = np.where(
        area_rank < n_deep[:, None],
        deep_depth,
        np.where(area_rank < n_used[:, None], basic_depth, 0),
    )
    # when each area is taken up: gaps in adoption order
    area_gap = rng.exponential(1.0, (n, n_areas)) * (8 * DAY) * (1.7 - health_col)
    area_gap[:, 0] = 0
    area_time = np.take_along_axis(
        np.cumsum(np.take_along_axis(area_gap, np.argsort(area_rank, axis=1), axis=1), axis=1),
        area_rank,
        axis=1,
    )
    feature_gap = rng.exponential(1.0, (n, N_FEATURES)) * (8 * DAY) * (1.7 - health_col)
    feature_gap[:, FEATURE_RANK_IN_AREA == 0] = 0
    # time after the area's adoption: cumulative gaps over the features of the same area
    feature_after_area = np.zeros((n, N_FEATURES))
    for cols in AREA_FEATURES:
        feature_after_area[:, cols] = np.cumsum(feature_gap[:, cols], axis=1)
    adopted_at = created[:, None] + (area_time[:, FEATURE_AREA] + feature_after_area).astype(
        np.int64
    )
    never = FEATURE_RANK_IN_AREA[None, :] >= area_depth[:, FEATURE_AREA]
    adopted_at = np.where(never, NEVER, adopted_at)
    adopted_at[:, 0] = created  # everyone sees the dashboards
    return adopted_at


def _plan_setup(rng: np.random.Generator, health: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Setup: 7 ordered steps over days to weeks; some accounts never finish. The steps done,
    and each step's time after the admin's start, shape (n, 7)."""
    n = len(health)
    n_steps = len(catalog.SETUP_STEPS)
    full = rng.random(n) < np.where(health > 0.35, 0.95, 0.6)
    steps_done = np.where(full, n_steps, rng.integers(1, n_steps, n))
    gaps = rng.exponential(1.0, (n, n_steps)) * (2.5 * DAY) * (1.7 - health)[:, None]
    gaps[:, 0] = rng.uniform(120, 1800, n)
    return steps_done, np.cumsum(gaps, axis=1).astype(np.int64)


def _account_names(rng: np.random.Generator, plan_index: np.ndarray) -> list[str]:
    """Company names; every 7th account has a tricky name (injection material, commas,
    quotes, non-ASCII)."""
    n = len(plan_index)
    special = plan_index % 7 == 3
    special_pick = (plan_index // 7) % len(SPECIAL_NAMES)
    adjective = rng.integers(0, len(NAME_ADJECTIVES), n)
    noun = rng.integers(0, len(NAME_NOUNS), n)
    suffix = rng.integers(0, len(NAME_SUFFIXES), n)
    names = []
    for i in range(n):
        if special[i]:
            names.append(SPECIAL_NAMES[special_pick[i]])
        else:
            words = (NAME_ADJECTIVES[adjective[i]], NAME_NOUNS[noun[i]], NAME_SUFFIXES[suffix[i]])
            names.append(" ".join(w for w in words if w))
    return names


@dataclass
class _Visitors:
    """The visitors of a block as planned before renewals (start may move earlier for a
    churned account; stop and persona change when a sponsor leaves)."""

    n_visitors: np.ndarray  # per account
    first_visitor: np.ndarray  # per account: index of its first visitor
    account: np.ndarray  # per visitor: account index within the block
    number: np.ndarray  # per visitor: 0 the admin, 1 the champion, ...
    role: np.ndarray
    persona: np.ndarray  # 0 power user, 1 regular, 2 occasional, 3 dormant
    admin_start: np.ndarray  # per account: when its admin starts (and runs the setup)
    start: np.ndarray
    stop: np.ndarray  # NEVER: does not stop


def _plan_visitors(
    rng: np.random.Generator,
    span: Span,
    created: np.ndarray,
    health: np.ndarray,
    seats: np.ndarray,
    setup_steps_done: np.ndarray,
    setup_offsets: np.ndarray,
) -> _Visitors:
    """Who uses each account: about half to all of its seats, with roles and personas, and
    when each starts and stops."""
    n = len(created)
    n_visitors = np.clip(np.round(seats * rng.uniform(0.45, 0.95, n)), 2, 120).astype(np.int64)
    first_visitor = np.concatenate([[0], np.cumsum(n_visitors)[:-1]]).astype(np.int64)
    v = int(n_visitors.sum())
    account = np.repeat(np.arange(n), n_visitors)
    number = np.arange(v) - first_visitor[account]
    role_other = rng.choice([0, 2, 3, 4, 5], v, p=[0.05, 0.33, 0.2, 0.32, 0.1])
    role = np.where(number == 0, 0, np.where(number == 1, 1, role_other))
    persona = _visitor_personas(rng, health[account], role)
    account_created = created[account]
    age = span.t1 - account_created
    latest = np.maximum(span.t1 - 3600, account_created + 60)
    # the admin and the champion start on the first day; the admin runs the setup steps
    admin_start = np.minimum(created + rng.uniform(60, 7200, n), latest[first_visitor]).astype(
        np.int64
    )
    setup_times = admin_start[:, None] + setup_offsets
    # teammates join in the days after they are invited (setup step 4); without an invitation
    # they trickle in; some are hired or added much later
    invited = np.where(setup_steps_done >= 4, setup_times[:, 3], NEVER)[account]
    later = rng.random(v) < 0.25
    delay = np.where(
        later,
        rng.random(v) * np.maximum(age, 1),
        np.where(
            invited < NEVER,
            invited - account_created + rng.exponential(5 * DAY, v),
            rng.exponential(40 * DAY, v),
        ),
    )
    delay = np.where(number == 0, admin_start[account] - account_created, delay)
    delay = np.where(number == 1, rng.uniform(60, 7200, v), delay)
    start = np.minimum(account_created + delay, latest).astype(np.int64)
    lo_stop = start + 5 * DAY
    hi_stop = span.t1 - DAY
    stop_at = (lo_stop + rng.random(v) * np.maximum(hi_stop - lo_stop, 0)).astype(np.int64)
    stops = (persona == 3) | (rng.random(v) < 0.04)
    stop = np.where(stops & (hi_stop > lo_stop), stop_at, NEVER)
    return _Visitors(
        n_visitors, first_visitor, account, number, role, persona, admin_start, start, stop
    )


def _visitor_personas(rng: np.random.Generator, health: np.ndarray, role: np.ndarray) -> np.ndarray:
    """Personas: healthier accounts have more power users; admins and champions are power
    users more often, viewers and executives occasional ones."""
    weights = np.stack(
        [0.06 + 0.32 * health, 0.22 + 0.28 * health, 0.36 - 0.16 * health, 0.36 - 0.3 * health],
        axis=1,
    )
    weights[:, 0] *= np.where(role <= 1, 2.0, 1.0)
    weights[:, 2] *= np.where(role >= 4, 1.6, 1.0)
    weights = np.maximum(weights, 0.01)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    return (rng.random(len(role))[:, None] > cumulative[:, :3]).sum(axis=1)


def _sponsors_leave(
    rng: np.random.Generator,
    span: Span,
    churned: np.ndarray,
    visitors: _Visitors,
    visitor_start: np.ndarray,
) -> None:
    """Champion risk: in some accounts that stay, the sponsor (champion, sometimes the admin)
    leaves (visitors.stop and .persona change in place)."""
    n = len(churned)
    risk = (~churned) & (rng.random(n) < 0.2) & (visitors.n_visitors >= 3)
    sponsor = visitors.first_visitor + np.where(rng.random(n) < 0.7, 1, 0)
    left_at = (span.t1 - rng.uniform(35, 80, n) * DAY).astype(np.int64)
    for i in np.nonzero(risk)[0]:
        s = sponsor[i]
        if visitor_start[s] < left_at[i] - 20 * DAY:
            visitors.stop[s] = left_at[i]
            visitors.persona[s] = min(visitors.persona[s], 1)


class _Habits(NamedTuple):
    break_start: np.ndarray  # vacations / breaks (NEVER: none)
    break_end: np.ndarray
    browser: np.ndarray
    offset: np.ndarray  # time zone (index into OFFSET_LABELS)
    feature_pref: np.ndarray  # (v, features)


def _visitor_habits(
    rng: np.random.Generator, span: Span, region: np.ndarray, visitors: _Visitors
) -> _Habits:
    n, v = len(region), len(visitors.account)
    # vacations / breaks: some visitors come back (growth "recovered")
    has_break = rng.random(v) < 0.15
    break_start = (span.t0 + rng.random(v) * span.days * DAY).astype(np.int64)
    break_end = break_start + (rng.uniform(20, 45, v) * DAY).astype(np.int64)
    browser = rng.choice(len(BROWSERS), v, p=BROWSER_WEIGHTS)
    # people of an account work in its region's time zones (e.g. Tokyo and Bangalore)
    offset = np.array(REGION_OFFSETS)[region[visitors.account], rng.integers(0, 2, v)]
    account_taste = rng.lognormal(0.0, 0.7, (n, N_FEATURES))
    feature_pref = (
        FEATURE_POPULARITY[None, :]
        * ROLE_AFFINITY[visitors.role][:, FEATURE_AREA]
        * account_taste[visitors.account]
        * rng.lognormal(0.0, 0.4, (v, N_FEATURES))
    ).astype(np.float64)
    return _Habits(
        np.where(has_break, break_start, NEVER),
        np.where(has_break, break_end, NEVER),
        browser,
        offset,
        feature_pref,
    )


def _visitor_emails(
    rng: np.random.Generator, names: list[str], plan_index: np.ndarray, visitors: _Visitors
) -> list[str | None]:
    """first.last@<company>.com (a number added when taken); a few empty or capitalised."""
    v = len(visitors.account)
    first_name = rng.integers(0, len(FIRST_NAMES), v)
    last_name = rng.integers(0, len(LAST_NAMES), v)
    email_mode = rng.random(v)
    emails: list[str | None] = []
    for i in range(len(names)):
        domain = domain_slug(names[i], int(plan_index[i])) + ".com"
        seen: set[str] = set()
        first = int(visitors.first_visitor[i])
        for j in range(first, first + int(visitors.n_visitors[i])):
            local = f"{FIRST_NAMES[first_name[j]]}.{LAST_NAMES[last_name[j]]}"
            if local in seen:
                local = f"{local}{visitors.number[j] + 1}"
            seen.add(local)
            address = f"{local}@{domain}"
            if email_mode[j] < 0.02:
                emails.append(None)
            elif email_mode[j] < 0.05:
                emails.append(address.title())
            else:
                emails.append(address)
    return emails
