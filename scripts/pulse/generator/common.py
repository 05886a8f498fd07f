"""Shared basics: time units, the random streams, the time span, row counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

MAX_ACCOUNTS = 500_000  # ids of extra (bad) rows start above the real range

DAY = 86_400  # seconds
NEVER = 1 << 62  # a time after everything: "does not happen"


def random_stream(seed: int, *key: int) -> np.random.Generator:
    """An independent random stream for (seed, key...)."""
    entropy = [abs(int(seed)), 1 if seed < 0 else 0]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=key)))


# the first key of each random stream: the account plan (per block), the events (per block),
# the dirty events (per chunk), a small table's clean rows, its dirty rows, its extra column
STREAM_PLAN, STREAM_EVENTS, STREAM_EVENT_DIRT, STREAM_TABLE, STREAM_DIRT, STREAM_EXTRA_COLUMN = (
    range(1, 7)
)


@dataclass(frozen=True)
class Span:
    """The days of the sample: `days` days up to and including `end`."""

    start: date
    end: date
    days: int
    t0: int  # start 00:00 UTC, epoch seconds
    t1: int  # day after end 00:00 UTC (exclusive)
    weekday0: int


def make_span(end_date: date, days: int) -> Span:
    start = end_date - timedelta(days=days - 1)
    t0 = (start - date(1970, 1, 1)).days * DAY
    return Span(start, end_date, days, t0, t0 + days * DAY, start.weekday())


@dataclass
class Counts:
    """Rows written to one table, for the manifest."""

    clean: int = 0
    duplicates: int = 0
    late: int = 0
    bad: dict[str, int] = field(default_factory=dict)


# a row of a small table: text fields in contract column order (None: empty)
Row = list[str | None]
