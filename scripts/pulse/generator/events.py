"""The events of one block (numeric codes, fully vectorised): activity -> active days ->
sessions -> events, then what happened and how it was delivered."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pulse import catalog
from pulse.generator.activity import activity_chances
from pulse.generator.arrow_text import STYLE_OFFSET_MS, draw_styles
from pulse.generator.catalog_pools import (
    GUIDE_CUMULATIVE,
    N_FEATURES,
    NAME_AT_FEATURES,
    NAME_AT_GUIDES,
    NAME_AT_PAGES,
    NAME_AT_SETUP_STEPS,
    NAME_AT_TRACK_EVENTS,
    NAME_AT_VALUE_EVENTS,
    PAGE_CUMULATIVE,
    PROPERTY_AT_CLICKS,
    PROPERTY_AT_PAGES,
    PROPERTY_AT_PLAIN,
    TYPE_CLICK,
    TYPE_FIRST_UNKNOWN,
    TYPE_GUIDE_DISMISSED,
    TYPE_GUIDE_SEEN,
    TYPE_PAGE,
    TYPE_TRACK,
    UNKNOWN_TYPE_NAMES,
    VALUE_EVENT_CUMULATIVE,
)
from pulse.generator.common import DAY, STREAM_EVENTS, Span, random_stream
from pulse.generator.plan import AccountBlock
from pulse.generator.vocabulary import (
    BROWSERS,
    CATEGORY_CLICK,
    CATEGORY_GUIDE_DISMISSED,
    CATEGORY_GUIDE_SEEN,
    CATEGORY_OTHER,
    CATEGORY_PAGE,
    CATEGORY_TRACK,
    CATEGORY_VALUE,
    CLICK_ELEMENTS,
    OFFSET_MINUTES,
    PERSONA_EXTRA_EVENTS,
    PERSONA_EXTRA_SESSIONS,
    SESSION_GAP_SECONDS,
)

# The columns of a block's events (numeric codes; -1: none), one array each, same length.
EVENT_FIELDS = (
    "occurred",  # epoch seconds (UTC)
    "occurred_ms",
    "occurred_style",  # how occurred_at is written (arrow_text.STYLE_*)
    "visitor",  # global visitor index
    "account",  # global account index
    "offset",  # the visitor's time zone (index into OFFSET_LABELS)
    "event_type",  # index into TYPE_POOL
    "event_name",  # index into NAME_POOL
    "feature",  # index into catalog.FEATURES
    "properties",  # index into PROPERTY_POOL
    "received",
    "received_ms",
    "received_style",
    "received_null",  # received_at left empty
    "account_null",  # account_id left empty
    "late",  # arrives days late (dirty runs only)
    "late_delay",
)


@dataclass
class _EventCodes:
    """What happened, per event (codes into the catalogue pools)."""

    event_type: np.ndarray
    event_name: np.ndarray
    feature: np.ndarray
    properties: np.ndarray


def block_events(
    block: AccountBlock, span: Span, seed: int, global_visitor_start: int
) -> dict[str, np.ndarray]:
    """All events of a block (EVENT_FIELDS), sorted by time. `global_visitor_start`: the global
    index of the block's first visitor."""
    rng = random_stream(seed, STREAM_EVENTS, block.index)
    cell_visitor, cell_day = _active_days(block, span, rng)
    occurred, event_cell = _session_events(block, span, rng, cell_visitor, cell_day)
    visitor = cell_visitor[event_cell]
    account = block.visitor_account[visitor]
    codes = _what_happened(
        block, span, rng, occurred, account, visitor, event_cell, cell_visitor, cell_day
    )
    occurred, visitor, account, codes = _with_setup_steps(block, occurred, visitor, account, codes)
    # keep what falls inside the span, after the visitor joined and before the account churned
    lo = np.maximum(block.visitor_start[visitor], span.t0)
    hi = np.minimum(block.churn[account], span.t1)
    keep = (occurred >= lo) & (occurred < hi)
    order = np.argsort(occurred[keep], kind="stable")
    selected = np.nonzero(keep)[0][order]
    out = {
        "occurred": occurred[selected],
        "visitor": global_visitor_start + visitor[selected],
        "account": block.first + account[selected],
        "offset": block.visitor_offset[visitor[selected]],
        "event_type": codes.event_type[selected],
        "event_name": codes.event_name[selected],
        "feature": codes.feature[selected],
        "properties": codes.properties[selected],
    }
    _add_delivery(out, rng)
    return out


def _active_days(
    block: AccountBlock, span: Span, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The (visitor, day) cells where a visitor is active: visitor indices and day numbers."""
    chances = activity_chances(block, span)
    active = rng.random(chances.shape) < chances
    cell_visitor, cell_day = np.nonzero(active)
    return cell_visitor, cell_day


def _session_events(
    block: AccountBlock,
    span: Span,
    rng: np.random.Generator,
    cell_visitor: np.ndarray,
    cell_day: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sessions on each active day (around the visitor's local early afternoon), events some
    tens of seconds apart in each: event times and the cell of each event."""
    persona = block.visitor_persona[cell_visitor]
    sessions_per_cell = 1 + rng.poisson(PERSONA_EXTRA_SESSIONS[persona])
    session_cell = np.repeat(np.arange(len(cell_visitor)), sessions_per_cell)
    n_sessions = len(session_cell)
    hour = np.clip(rng.normal(13.3, 2.6, n_sessions), 6.5, 23.6)
    offset_seconds = OFFSET_MINUTES[block.visitor_offset[cell_visitor]] * 60
    session_start = (
        span.t0
        + cell_day[session_cell] * DAY
        - offset_seconds[session_cell]
        + (hour * 3600).astype(np.int64)
    )
    events_per_session = 1 + rng.poisson(PERSONA_EXTRA_EVENTS[persona[session_cell]])
    event_session = np.repeat(np.arange(n_sessions), events_per_session)
    gaps = rng.exponential(SESSION_GAP_SECONDS, len(event_session))
    first_event = np.cumsum(events_per_session) - events_per_session
    gaps[first_event] = 0.0
    elapsed = np.cumsum(gaps)
    occurred = session_start[event_session] + (
        elapsed - elapsed[first_event][event_session]
    ).astype(np.int64)
    return occurred, session_cell[event_session]


def _what_happened(
    block: AccountBlock,
    span: Span,
    rng: np.random.Generator,
    occurred: np.ndarray,
    account: np.ndarray,
    visitor: np.ndarray,
    event_cell: np.ndarray,
    cell_visitor: np.ndarray,
    cell_day: np.ndarray,
) -> _EventCodes:
    """Event categories, then types, names, features and properties."""
    n = len(occurred)
    u = rng.random(n)
    value_share = block.value_share[account]
    category = (
        (u >= 0.008).astype(np.int8)
        + (u >= 0.038)
        + (u >= 0.05)
        + (u >= 0.05 + value_share)
        + (u >= 0.10 + value_share)
        + (u >= 0.44 + value_share)
    )
    r = rng.random(n)
    browser = block.visitor_browser[visitor]
    codes = _EventCodes(
        event_type=np.full(n, TYPE_PAGE, dtype=np.int8),
        event_name=np.full(n, -1, dtype=np.int16),
        feature=np.full(n, -1, dtype=np.int8),
        properties=(PROPERTY_AT_PLAIN + browser).astype(np.int16),
    )
    mask = category == CATEGORY_PAGE
    page = np.minimum(
        np.searchsorted(PAGE_CUMULATIVE, r[mask], side="right"), len(catalog.PAGES) - 1
    )
    codes.event_name[mask] = NAME_AT_PAGES + page
    codes.properties[mask] = PROPERTY_AT_PAGES + page * len(BROWSERS) + browser[mask]

    mask = category == CATEGORY_CLICK
    codes.event_type[mask] = TYPE_CLICK
    clicks = np.nonzero(mask)[0]
    if len(clicks):
        _feature_clicks(
            block, span, rng, codes, clicks, r, browser, event_cell, cell_visitor, cell_day
        )

    # before the account has connected its data, would-be value events are ordinary track events
    category = np.where(
        (category == CATEGORY_VALUE) & (occurred < block.value_from[account]),
        CATEGORY_TRACK,
        category,
    )
    _track_guide_and_other(codes, category, r)
    return codes


def _feature_clicks(
    block: AccountBlock,
    span: Span,
    rng: np.random.Generator,
    codes: _EventCodes,
    clicks: np.ndarray,
    r: np.ndarray,
    browser: np.ndarray,
    event_cell: np.ndarray,
    cell_visitor: np.ndarray,
    cell_day: np.ndarray,
) -> None:
    """The feature of each click: by the visitor's preferences among the features their
    account has adopted by the end of that day; a quarter of the clicks are named."""
    cells = event_cell[clicks]  # non-decreasing: events were generated cell by cell
    change = np.concatenate([[True], cells[1:] != cells[:-1]])
    cell_rank = np.cumsum(change) - 1
    unique_cells = cells[change]
    cell_visitors = cell_visitor[unique_cells]
    day_end = span.t0 + (cell_day[unique_cells] + 1) * DAY
    weights = block.visitor_feature_pref[cell_visitors] * (
        block.adopted_at[block.visitor_account[cell_visitors]] < day_end[:, None]
    )
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    cumulative[:, -1] = 1.0
    # one searchsorted for all cells: cell k's cumulative weights are shifted by k
    flat = (cumulative + np.arange(len(unique_cells))[:, None]).ravel()
    pos = np.searchsorted(flat, cell_rank + r[clicks] * 0.999999, side="right")
    feature = np.clip(pos - cell_rank * N_FEATURES, 0, N_FEATURES - 1)
    codes.feature[clicks] = feature
    named = rng.random(len(clicks)) < 0.25
    codes.event_name[clicks[named]] = NAME_AT_FEATURES + feature[named]
    codes.properties[clicks] = (
        PROPERTY_AT_CLICKS
        + (r[clicks] * 1000).astype(np.int64) % len(CLICK_ELEMENTS) * len(BROWSERS)
        + browser[clicks]
    )


def _track_guide_and_other(codes: _EventCodes, category: np.ndarray, r: np.ndarray) -> None:
    """Value events, other track events, guide events and events of unknown types."""
    mask = category == CATEGORY_VALUE
    codes.event_type[mask] = TYPE_TRACK
    codes.event_name[mask] = NAME_AT_VALUE_EVENTS + np.minimum(
        np.searchsorted(VALUE_EVENT_CUMULATIVE, r[mask], side="right"),
        len(catalog.VALUE_EVENTS) - 1,
    )
    mask = category == CATEGORY_TRACK
    codes.event_type[mask] = TYPE_TRACK
    codes.event_name[mask] = NAME_AT_TRACK_EVENTS + (
        r[mask] * len(catalog.OTHER_TRACK_EVENTS)
    ).astype(np.int64)
    for guide_category, type_code in (
        (CATEGORY_GUIDE_SEEN, TYPE_GUIDE_SEEN),
        (CATEGORY_GUIDE_DISMISSED, TYPE_GUIDE_DISMISSED),
    ):
        mask = category == guide_category
        codes.event_type[mask] = type_code
        codes.event_name[mask] = NAME_AT_GUIDES + np.minimum(
            np.searchsorted(GUIDE_CUMULATIVE, r[mask], side="right"), len(catalog.GUIDES) - 1
        )
    mask = category == CATEGORY_OTHER
    unknown = (r[mask] * len(catalog.UNKNOWN_EVENT_TYPES)).astype(np.int64)
    codes.event_type[mask] = TYPE_FIRST_UNKNOWN + unknown
    codes.event_name[mask] = UNKNOWN_TYPE_NAMES[unknown]


def _with_setup_steps(
    block: AccountBlock,
    occurred: np.ndarray,
    visitor: np.ndarray,
    account: np.ndarray,
    codes: _EventCodes,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, _EventCodes]:
    """The events plus the setup steps, done by each account's admin (its first visitor)."""
    steps = np.arange(block.setup_times.shape[1])[None, :] < block.setup_steps_done[:, None]
    step_account, step = np.nonzero(steps)
    step_visitor = block.first_visitor[step_account]
    n_steps = len(step_account)
    codes = _EventCodes(
        event_type=np.concatenate([codes.event_type, np.full(n_steps, TYPE_TRACK, dtype=np.int8)]),
        event_name=np.concatenate(
            [codes.event_name, (NAME_AT_SETUP_STEPS + step).astype(np.int16)]
        ),
        feature=np.concatenate([codes.feature, np.full(n_steps, -1, dtype=np.int8)]),
        properties=np.concatenate(
            [
                codes.properties,
                (PROPERTY_AT_PLAIN + block.visitor_browser[step_visitor]).astype(np.int16),
            ]
        ),
    )
    return (
        np.concatenate([occurred, block.setup_times[step_account, step]]),
        np.concatenate([visitor, step_visitor]),
        np.concatenate([account, step_account]),
        codes,
    )


def _add_delivery(out: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """How each event was delivered and written: timestamp styles, received_at, late
    arrivals, empty account_id and properties."""
    n = len(out["occurred"])
    style = draw_styles(rng, n)
    out["occurred_style"] = style
    out["occurred_ms"] = np.where(style == STYLE_OFFSET_MS, rng.integers(0, 1000, n), 0)
    received_style = draw_styles(rng, n)
    out["received_style"] = received_style
    out["received_ms"] = np.where(received_style == STYLE_OFFSET_MS, rng.integers(0, 1000, n), 0)
    delay = 1 + rng.exponential(3.0, n).astype(np.int64)
    u = rng.random(n)
    # ~1 % arrive days late (used only when the run is dirty); late ones always have received_at
    out["late"] = u < 0.01
    out["late_delay"] = (rng.uniform(2.0, 5.0, n) * DAY).astype(np.int64)
    out["received"] = out["occurred"] + delay
    out["received_null"] = (u >= 0.01) & (u < 0.05)
    out["account_null"] = rng.random(n) < 0.03
    properties_null = rng.random(n) < 0.12
    out["properties"] = np.where(properties_null, -1, out["properties"]).astype(np.int16)
