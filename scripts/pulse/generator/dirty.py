"""Dirty rows (bad_row_rate > 0): extra rows with fresh ids that nothing references, each with
exactly one problem; the reason codes are the manifest's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pulse.generator.arrow_text import (
    arrow_bools,
    arrow_ints,
    arrow_strings,
    draw_styles,
    format_ids,
    format_timestamps,
    null_strings,
)
from pulse.generator.common import DAY, Counts, Row
from pulse.generator.raw_tables import COLUMNS, REQUIRED
from pulse.generator.world import World

# Which columns the generator makes dirty (a choice of the sample, not part of the contract):
# Columns that hold a timestamp (renewal_date: a date) and numbers, per table.
TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("created_at", "churned_at"),
    "visitors": ("created_at",),
    "events": ("occurred_at", "received_at"),
    "nps_responses": ("responded_at",),
    "poll_responses": ("responded_at",),
    "support_tickets": ("opened_at", "resolved_at"),
    "crm_activities": ("occurred_at",),
    "renewals": ("renewal_date",),
    "subscriptions": ("started_at", "ended_at"),
}
NUMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("arr_usd", "seats_purchased"),
    "nps_responses": ("score",),
    "renewals": ("arr_before_usd", "arr_after_usd"),
    "subscriptions": ("seats", "arr_usd"),
}

# Reason codes of the dirty rows (the manifest uses exactly these).
MISSING_REQUIRED = "missing_required"
INVALID_TIMESTAMP = "invalid_timestamp"
INVALID_NUMBER = "invalid_number"
SCORE_OUT_OF_RANGE = "score_out_of_range"
OCCURRED_AFTER_RECEIVED = "occurred_after_received"
UNKNOWN_VISITOR = "unknown_visitor"
UNKNOWN_ACCOUNT = "unknown_account"
UNPARSEABLE_LINE = "unparseable_line"

DIRTY_KINDS: dict[str, tuple[str, ...]] = {
    "accounts": (MISSING_REQUIRED, INVALID_TIMESTAMP, INVALID_NUMBER, UNPARSEABLE_LINE),
    "visitors": (MISSING_REQUIRED, INVALID_TIMESTAMP, UNKNOWN_ACCOUNT, UNPARSEABLE_LINE),
    "events": (
        MISSING_REQUIRED,
        INVALID_TIMESTAMP,
        OCCURRED_AFTER_RECEIVED,
        UNKNOWN_VISITOR,
        UNKNOWN_ACCOUNT,
        UNPARSEABLE_LINE,
    ),
    "features": (MISSING_REQUIRED, UNPARSEABLE_LINE),
    "nps_responses": (
        MISSING_REQUIRED,
        INVALID_TIMESTAMP,
        INVALID_NUMBER,
        SCORE_OUT_OF_RANGE,
        UNKNOWN_VISITOR,
        UNPARSEABLE_LINE,
    ),
    "poll_responses": (MISSING_REQUIRED, INVALID_TIMESTAMP, UNKNOWN_VISITOR, UNPARSEABLE_LINE),
    "support_tickets": (MISSING_REQUIRED, INVALID_TIMESTAMP, UNKNOWN_ACCOUNT, UNPARSEABLE_LINE),
    "crm_activities": (MISSING_REQUIRED, INVALID_TIMESTAMP, UNKNOWN_ACCOUNT, UNPARSEABLE_LINE),
    "renewals": (
        MISSING_REQUIRED,
        INVALID_TIMESTAMP,
        INVALID_NUMBER,
        UNKNOWN_ACCOUNT,
        UNPARSEABLE_LINE,
    ),
    "subscriptions": (
        MISSING_REQUIRED,
        INVALID_TIMESTAMP,
        INVALID_NUMBER,
        UNKNOWN_ACCOUNT,
        UNPARSEABLE_LINE,
    ),
}


def applicable_kinds(table: str, fmt: str) -> tuple[str, ...]:
    """The dirty-row kinds injected into `table` (unparseable lines only exist in CSV)."""
    kinds = DIRTY_KINDS[table]
    return kinds if fmt == "csv" else tuple(k for k in kinds if k != UNPARSEABLE_LINE)


BAD_TIMESTAMPS = ("2026-13-45T99:00", "yesterday", "31/02/2026 10:00", "2026-02-30 25:61:00")
BAD_DATES = ("2026-02-30", "31/02/2026", "next spring", "2026-13-01")
BAD_NUMBERS = ("12k", "n/a", "1,200", "twelve")
BAD_SCORES = ("ten", "n/a", "9+")
OUT_OF_RANGE_SCORES = ("11", "-1", "15")

# Ids outside the real range: fresh ids of extra (bad) rows, and ids that reference nothing.
FRESH_ID_BASE = 800_000
UNKNOWN_ID_BASE = 900_000


def unparseable_line(fields: Sequence[str], variant: int, eol: str) -> bytes:
    """A line the CSV reader cannot parse, from CSV-ready fields: too many fields (variant 0),
    too few (1), or bytes that are not UTF-8 inside the first field (2). Always one physical
    line (a field with a line break is left empty)."""
    fields = ["" if ("\n" in f or "\r" in f) else f for f in fields]
    if variant % 3 == 0:
        return (",".join([*fields, "unexpected", "extra field"]) + eol).encode()
    if variant % 3 == 1:
        return (",".join(fields[: max(1, len(fields) - 2)]) + eol).encode()
    first = (fields[0] or "x").encode() + b"\xff\xfe"
    rest = ",".join(fields[1:]).encode()
    return first + (b"," + rest if len(fields) > 1 else b"") + eol.encode()


def bad_row_counts(rate: float, clean: int, kinds: Sequence[str]) -> dict[str, int]:
    if rate <= 0 or not kinds:
        return {}
    each = max(1, round(rate * clean / len(kinds)))
    return {k: each for k in kinds}


@dataclass
class EventSource:
    """Clean events of a chunk that dirty rows are copied from."""

    cols: list[pa.Array]  # formatted, as written
    occurred: np.ndarray
    received: np.ndarray
    received_null: np.ndarray
    offset: np.ndarray

    def __len__(self) -> int:
        return len(self.occurred)


def synthetic_event_source(world: World) -> EventSource:
    """A made-up page view (only when a run has no event at all to copy dirty rows from)."""
    t = world.span.t0 + 12 * 3600
    values = [
        "evt_000000000000",
        format_timestamps([t], [0], [0]).to_pylist()[0],
        format_timestamps([t + 2], [0], [0]).to_pylist()[0],
        world.visitor_ids[0],
        world.account_ids[0],
        "page_view",
        "home",
        None,
        None,
    ]
    return EventSource(
        [arrow_strings([v]) for v in values],
        np.array([t]),
        np.array([t + 2]),
        np.zeros(1, dtype=bool),
        np.zeros(1, dtype=np.int64),
    )


def dirty_events(
    source: EventSource,
    kinds: Sequence[str],
    per_kind: int,
    n_dup: int,
    rng: np.random.Generator,
    next_id: int,
    line_variant: int,
    counts: Counts,
) -> tuple[list[pa.Array], list[bytes], int]:
    """Duplicates and bad rows (as columns) plus unparseable raw lines, copied from `source`;
    bad rows get fresh event ids from `next_id` on. Returns them and the next free id.
    `line_variant` varies the kind of broken line from chunk to chunk."""
    column_at = {c: i for i, c in enumerate(COLUMNS["events"])}
    received = column_at["received_at"]
    n_source = len(source)
    raw: list[bytes] = []
    n_dup = max(n_dup, 0)
    pieces: list[list[pa.Array]] = [_duplicate_events(source, n_dup, rng, received)]
    counts.duplicates += n_dup

    bad_timestamps = arrow_strings(list(BAD_TIMESTAMPS))
    per_kind = max(per_kind, 0)
    nth = np.arange(per_kind)
    for kind in kinds:
        pick = rng.integers(0, n_source, per_kind)
        cols = [pc.take(c, arrow_ints(pick)) for c in source.cols]
        cols[0] = format_ids("evt_", next_id + nth)
        next_id += per_kind
        if kind == MISSING_REQUIRED:
            for r, column in enumerate(REQUIRED["events"]):
                which = arrow_bools(nth % len(REQUIRED["events"]) == r)
                cols[column_at[column]] = pc.if_else(
                    which, null_strings(per_kind), cols[column_at[column]]
                )
        elif kind == INVALID_TIMESTAMP:
            bad = pc.take(bad_timestamps, arrow_ints(nth % len(BAD_TIMESTAMPS)))
            on_occurred = nth % 3 != 0
            occurred = column_at["occurred_at"]
            cols[occurred] = pc.if_else(arrow_bools(on_occurred), bad, cols[occurred])
            cols[received] = pc.if_else(arrow_bools(~on_occurred), bad, cols[received])
        elif kind == OCCURRED_AFTER_RECEIVED:
            back = (rng.uniform(2, 10, per_kind) * DAY).astype(np.int64)
            cols[received] = format_timestamps(
                source.occurred[pick] - back,
                draw_styles(rng, per_kind, with_ms=False),
                source.offset[pick],
            )
        elif kind == UNKNOWN_VISITOR:
            cols[column_at["visitor_id"]] = arrow_strings([unknown_visitor_id(int(x)) for x in nth])
        elif kind == UNKNOWN_ACCOUNT:
            cols[column_at["account_id"]] = arrow_strings([unknown_account_id(int(x)) for x in nth])
        elif kind == UNPARSEABLE_LINE:
            # CSV columns hold CSV-ready text (the properties are pre-quoted)
            rows = zip(*(c.to_pylist() for c in cols), strict=True)
            for x, row in enumerate(rows):
                fields = ["" if v is None else v for v in row]
                raw.append(unparseable_line(fields, x + line_variant, "\n"))
            counts.bad[kind] = counts.bad.get(kind, 0) + per_kind
            continue
        pieces.append(cols)
        counts.bad[kind] = counts.bad.get(kind, 0) + per_kind
    extras = [pa.concat_arrays([p[i] for p in pieces]) for i in range(len(source.cols))]
    return extras, raw, next_id


def _duplicate_events(
    source: EventSource, n_dup: int, rng: np.random.Generator, received_column: int
) -> list[pa.Array]:
    """Re-deliveries of clean events (same event_id and content): most later (a new
    received_at), the rest byte-identical."""
    pick = rng.integers(0, len(source), n_dup)
    cols = [pc.take(c, arrow_ints(pick)) for c in source.cols]
    later = rng.random(n_dup) >= 0.3
    base = np.where(source.received_null, source.occurred, source.received)[pick]
    later_text = format_timestamps(
        base + rng.integers(120, 6 * 3600, n_dup),
        draw_styles(rng, n_dup, with_ms=False),
        source.offset[pick],
    )
    cols[received_column] = pc.if_else(arrow_bools(later), later_text, cols[received_column])
    return cols


def unknown_account_id(nth: int) -> str:
    return f"acc_{UNKNOWN_ID_BASE + nth % 99_999:06d}"


def unknown_visitor_id(nth: int) -> str:
    return f"vis_{UNKNOWN_ID_BASE + nth % 99_999:06d}_{nth % 7 + 1:03d}"


def break_row(table: str, kind: str, row: Row, column_at: dict[str, int], nth: int) -> None:
    """Give a (fresh) row exactly one problem of `kind`."""
    if kind == MISSING_REQUIRED:
        req = REQUIRED[table]
        row[column_at[req[nth % len(req)]]] = None
    elif kind == INVALID_TIMESTAMP:
        cols = TIME_COLUMNS[table]
        col = cols[nth % len(cols)]
        row[column_at[col]] = (BAD_DATES if col == "renewal_date" else BAD_TIMESTAMPS)[nth % 4]
    elif kind == INVALID_NUMBER:
        cols = NUMBER_COLUMNS[table]
        col = cols[nth % len(cols)]
        row[column_at[col]] = BAD_SCORES[nth % 3] if col == "score" else BAD_NUMBERS[nth % 4]
    elif kind == SCORE_OUT_OF_RANGE:
        row[column_at["score"]] = OUT_OF_RANGE_SCORES[nth % 3]
    elif kind == UNKNOWN_VISITOR:
        row[column_at["visitor_id"]] = unknown_visitor_id(nth)
    elif kind == UNKNOWN_ACCOUNT:
        row[column_at["account_id"]] = unknown_account_id(nth)
        if "visitor_id" in column_at and table != "visitors":
            row[column_at["visitor_id"]] = None
