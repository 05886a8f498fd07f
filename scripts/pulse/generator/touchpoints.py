"""Support tickets and CRM activities."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pulse import catalog
from pulse.generator.arrow_text import timestamp_texts
from pulse.generator.common import DAY, NEVER, Counts, Row, Span
from pulse.generator.dirty import FRESH_ID_BASE
from pulse.generator.plan import AccountBlock
from pulse.generator.small_tables import table_stream, write_small_table
from pulse.generator.vocabulary import CRM_TYPE_WEIGHTS
from pulse.generator.world import World


# support tickets --------------------------------------------------------------------------------
def write_tickets(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "support_tickets")
    span = world.span
    parts = [
        _block_tickets(rng, span, block, world.global_visitor_starts[block_index])
        for block_index, block in enumerate(world.blocks)
    ]
    tickets = _concatenate(parts, ("account", "visitor", "opened", "fixed", "status", "priority"))
    offset = _concatenate(parts, ("offset",))["offset"]
    opened_text = timestamp_texts(tickets["opened"], rng, offset)
    fixed_text = timestamp_texts(np.maximum(tickets["fixed"], 0), rng, offset)
    rows: list[Row] = []
    for j in range(len(tickets["account"])):
        visitor = int(tickets["visitor"][j])
        rows.append(
            [
                f"tkt_{j + 1:07d}",
                world.account_ids[tickets["account"][j]],
                world.visitor_ids[visitor] if visitor >= 0 else None,
                opened_text[j],
                fixed_text[j] if tickets["fixed"][j] >= 0 else None,
                catalog.TICKET_STATUSES[tickets["status"][j]],
                catalog.TICKET_PRIORITIES[tickets["priority"][j]],
            ]
        )

    def template(r: np.random.Generator, serial: int) -> Row:
        account = int(r.integers(0, world.n_accounts))
        opened = int(span.t0 + r.random() * (span.t1 - span.t0))
        fixed = opened + 3 * DAY
        is_fixed = fixed < span.t1
        return [
            f"tkt_{FRESH_ID_BASE * 10 + serial:07d}",
            world.account_ids[account],
            None,
            timestamp_texts([opened], r, [0])[0],
            timestamp_texts([fixed], r, [0])[0] if is_fixed else None,
            "resolved" if is_fixed else "open",
            "normal",
        ]

    return write_small_table(out_dir, world, "support_tickets", rows, template)


def _block_tickets(
    rng: np.random.Generator, span: Span, block: AccountBlock, global_visitor_start: int
) -> dict[str, np.ndarray]:
    """The tickets of a block's accounts: more for weak accounts and large teams, a burst of
    recent ones for struggling and stalled accounts; urgent ones and slow fixes go with low
    health. Global account and visitor indices (visitor -1: none), times, status, priority."""
    health = block.health
    lo = np.maximum(block.created, span.t0)
    hi = np.minimum(block.churn, span.t1)
    ok = hi - lo >= 3600
    months = np.maximum(hi - lo, 0) / (30 * DAY)
    rate = months * (0.25 + 2.2 * (1 - health) ** 2) * np.sqrt(block.seats / 10)
    n_base = np.where(ok, rng.poisson(rate), 0)
    # struggling and stalled accounts: a burst of recent tickets
    struggling = (block.stalled_from < NEVER) | (health < 0.35)
    recent_rate = np.where(struggling, 1.5 + 3 * (1 - health), 0.2)
    n_recent = np.where(ok & (hi > span.t1 - 21 * DAY), rng.poisson(recent_rate), 0)
    base = np.repeat(np.arange(block.n), n_base)
    recent = np.repeat(np.arange(block.n), n_recent)
    account = np.concatenate([base, recent])
    opened = np.concatenate(
        [
            lo[base] + rng.random(len(base)) * (hi[base] - lo[base]),
            np.maximum(lo[recent], hi[recent] - rng.random(len(recent)) * 21 * DAY),
        ]
    ).astype(np.int64)
    order = np.lexsort((opened, account))
    account, opened = account[order], opened[order]
    k = len(account)
    ticket_health = health[account]
    urgent = 0.03 + 0.1 * (1 - ticket_health)
    high = 0.12 + 0.12 * (1 - ticket_health)
    low = 0.05 + 0.3 * ticket_health
    u = rng.random(k)
    priority = (u >= low).astype(np.int64) + (u >= 1 - high - urgent) + (u >= 1 - urgent)
    mean_fix = (1 + 14 * (1 - ticket_health) ** 2) * DAY * np.array([1.6, 1.0, 0.7, 0.4])[priority]
    fixed = (opened + rng.exponential(1.0, k) * mean_fix).astype(np.int64)
    done = (fixed < span.t1) & (rng.random(k) < 0.96)
    closed = done & (span.t1 - fixed > 7 * DAY) & (rng.random(k) < 0.7)
    pending = rng.random(k) < 0.35
    # status codes follow catalog.TICKET_STATUSES: open, pending, resolved, closed
    status = np.where(done, np.where(closed, 3, 2), np.where(pending, 1, 0))
    visitor = (
        global_visitor_start
        + block.first_visitor[account]
        + rng.integers(0, block.n_visitors[account])
    )
    visitor = np.where(rng.random(k) < 0.8, visitor, -1)
    return {
        "account": block.first + account,
        "visitor": visitor,
        "opened": opened,
        "fixed": np.where(done, fixed, -1),
        "status": status,
        "priority": priority,
        "offset": block.offset[account],
    }


def _concatenate(
    parts: list[dict[str, np.ndarray]], keys: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """The blocks' arrays joined per key (empty int64 arrays without blocks)."""
    return {
        key: np.concatenate([p[key] for p in parts]) if parts else np.zeros(0, np.int64)
        for key in keys
    }


# CRM activities ---------------------------------------------------------------------------------
def write_crm(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "crm_activities")
    span = world.span
    parts = [_block_crm(rng, span, block) for block in world.blocks]
    activities = _concatenate(parts, ("account", "when", "type", "sentiment", "offset"))
    when_text = timestamp_texts(activities["when"], rng, activities["offset"])
    rows: list[Row] = [
        [
            f"crm_{j + 1:07d}",
            world.account_ids[activities["account"][j]],
            catalog.CRM_ACTIVITY_TYPES[activities["type"][j]],
            when_text[j],
            catalog.SENTIMENTS[activities["sentiment"][j]],
        ]
        for j in range(len(activities["account"]))
    ]

    def template(r: np.random.Generator, serial: int) -> Row:
        account = int(r.integers(0, world.n_accounts))
        when = int(span.t0 + r.random() * (span.t1 - span.t0))
        return [
            f"crm_{FRESH_ID_BASE * 10 + serial:07d}",
            world.account_ids[account],
            "call",
            timestamp_texts([when], r, [0])[0],
            "neutral",
        ]

    return write_small_table(out_dir, world, "crm_activities", rows, template)


def _block_crm(rng: np.random.Generator, span: Span, block: AccountBlock) -> dict[str, np.ndarray]:
    """The CSM touchpoints of a block's accounts: more for healthy and large (enterprise)
    accounts, few for neglected ones (none after their last touch); QBRs and onsites mostly
    for enterprise; sentiment follows health."""
    health = block.health
    lo = np.maximum(block.created, span.t0)
    hi = np.minimum(np.where(block.churn < NEVER, block.churn + 7 * DAY, NEVER), span.t1)
    hi = np.where(block.neglected, np.minimum(hi, block.last_touch), hi)
    ok = hi - lo >= 3600
    months = np.maximum(hi - lo, 0) / (30 * DAY)
    enterprise = block.tier == 3
    rate = months * (0.6 + 1.8 * health + 1.5 * enterprise + 0.6 * (block.tier == 2))
    rate = np.where(block.neglected, rate * 0.3, rate)
    n_base = np.where(ok, rng.poisson(rate), 0)
    # looked-after accounts had a touchpoint in the last three weeks
    recent = ok & (~block.neglected) & (block.churn == NEVER) & (rng.random(block.n) < 0.7)
    base = np.repeat(np.arange(block.n), n_base)
    recent_accounts = np.nonzero(recent)[0]
    account = np.concatenate([base, recent_accounts])
    when = np.concatenate(
        [
            lo[base] + rng.random(len(base)) * (hi[base] - lo[base]),
            np.maximum(
                lo[recent_accounts], span.t1 - rng.uniform(1, 20, len(recent_accounts)) * DAY
            ),
        ]
    ).astype(np.int64)
    order = np.lexsort((when, account))
    account, when = account[order], when[order]
    k = len(account)
    # type codes follow catalog.CRM_ACTIVITY_TYPES: meeting, call, email, qbr, onsite
    is_enterprise = enterprise[account][:, None]
    type_code = np.arange(5)[None, :]
    weights = CRM_TYPE_WEIGHTS[None, :] * np.where(
        type_code == 3, 1 + 2 * is_enterprise, np.where(type_code == 4, 1 + is_enterprise, 1)
    )
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    types = (rng.random(k)[:, None] > cumulative[:, :4]).sum(axis=1)
    activity_health = health[account]
    positive = 0.15 + 0.65 * activity_health
    negative = 0.05 + 0.45 * (1 - activity_health) ** 2
    u = rng.random(k)
    sentiment = np.where(u < positive, 0, np.where(u < 1 - negative, 1, 2))
    return {
        "account": block.first + account,
        "when": when,
        "type": types,
        "sentiment": sentiment,
        "offset": block.offset[account],
    }
