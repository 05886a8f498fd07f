"""The events table: chunks of blocks simulated and formatted in a worker thread, dirty rows
mixed in, streamed to the writer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pulse import catalog
from pulse.generator.arrow_text import arrow_ints, arrow_strings, format_ids, format_timestamps
from pulse.generator.catalog_pools import NAME_POOL, PROPERTY_POOL, PROPERTY_TRICKY, TYPE_POOL
from pulse.generator.common import STREAM_EVENT_DIRT, Counts, random_stream
from pulse.generator.csv_text import csv_field
from pulse.generator.dirty import (
    EventSource,
    applicable_kinds,
    dirty_events,
    synthetic_event_source,
)
from pulse.generator.events import EVENT_FIELDS, block_events
from pulse.generator.raw_tables import COLUMNS
from pulse.generator.world import World
from pulse.generator.writers import Interleave, TableWriter, open_writer, writer_class
from pulse.progress import Progress

CHUNK_ROWS = 120_000  # expected events per chunk (a chunk is at least one block)
SOURCE_TAIL = 1000  # the last events of a chunk are kept to copy dirty rows from


def event_chunks(world: World) -> list[list[int]]:
    """Consecutive blocks grouped into chunks of about CHUNK_ROWS expected events."""
    chunks: list[list[int]] = [[]]
    expected = 0.0
    for block_index, block in enumerate(world.blocks):
        if chunks[-1] and expected >= CHUNK_ROWS:
            chunks.append([])
            expected = 0.0
        chunks[-1].append(block_index)
        expected += float(block.expected.sum())
    return chunks


@dataclass
class StreamState:
    """What the chunks of the events table carry over, one to the next (in order)."""

    tricky_pending: bool  # the one multi-line properties field is still to be written
    next_id: int = 1  # event_id number of the next new row (clean or bad)
    dirty_chunks: int = 0  # chunks with dirty rows so far (keys their random stream)
    bad_done: int = 0  # bad rows per kind written so far
    duplicates_done: int = 0
    last_source: EventSource | None = None  # the tail of the last chunk with events


@dataclass
class PreparedChunk:
    """A chunk ready to write: clean columns, and what goes between their rows."""

    cols: list[pa.Array]
    safe: list[bool] | None  # columns that need no CSV quoting pass
    inserts: Interleave | None
    written: int  # rows, extra rows and raw lines


class EventPools:
    """The small string pools that event columns are taken from."""

    def __init__(self) -> None:
        self.types = arrow_strings(TYPE_POOL)
        self.names = arrow_strings(NAME_POOL)
        self.features = arrow_strings([f.feature_id for f in catalog.FEATURES])
        self.props_raw = arrow_strings(PROPERTY_POOL)
        # CSV: quoted once here, so the big columns never need a quoting pass
        self.props_csv = arrow_strings([csv_field(p) for p in PROPERTY_POOL])


def write_events(out_dir: Path, world: World, bar: Progress) -> tuple[Counts, str]:
    """Stream the events: a worker thread simulates and formats chunk i + 1 while this thread
    serialises and writes chunk i (numpy and Arrow release the GIL). Each stage runs in order,
    so the output does not depend on timing."""
    writer = open_writer(out_dir, "events", COLUMNS["events"], world.fmt)
    stream = _EventStream(world)
    chunks = event_chunks(world)

    def prepare(chunk_index: int) -> PreparedChunk:
        last = chunk_index == len(chunks) - 1
        return stream.prepare(chunks[chunk_index], last)

    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulse-events") as pool:
            future = pool.submit(prepare, 0)
            for chunk_index in range(len(chunks)):
                prepared = future.result()
                if chunk_index + 1 < len(chunks):
                    future = pool.submit(prepare, chunk_index + 1)
                _write_chunk(writer, prepared)
                bar.update(prepared.written)
                del prepared
    finally:
        writer.close()
    return stream.counts, writer.file_name


def _write_chunk(writer: TableWriter, chunk: PreparedChunk) -> None:
    """Serialise and write a prepared chunk (main thread)."""
    if chunk.inserts is None:
        writer.write_columns(chunk.cols, safe=chunk.safe)
    else:
        writer.write_interleaved(chunk.cols, chunk.safe, chunk.inserts)


class _EventStream:
    """Makes the chunks of the events table, one after another (worker thread)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.counts = Counts()
        self.kinds = applicable_kinds("events", world.fmt)
        self.state = StreamState(tricky_pending=world.rate > 0)
        self.visitor_ids = arrow_strings(world.visitor_ids)
        self.account_ids = arrow_strings(world.account_ids)
        self.pools = EventPools()
        # the writer takes CSV-ready text: pre-quoted properties, no quoting pass
        self.csv_text = writer_class(world.fmt).csv_text

    def prepare(self, block_indices: list[int], last: bool) -> PreparedChunk:
        """Simulate the blocks of a chunk, format their events and make the chunk's dirty rows."""
        world = self.world
        parts = [
            block_events(
                world.blocks[block_index],
                world.span,
                world.seed,
                world.global_visitor_starts[block_index],
            )
            for block_index in block_indices
        ]
        events = {k: np.concatenate([p[k] for p in parts]) for k in EVENT_FIELDS}
        return self._prepare_chunk(events, last)

    def _prepare_chunk(self, events: dict[str, np.ndarray], last: bool) -> PreparedChunk:
        state, counts = self.state, self.counts
        rate = self.world.rate
        n = len(events["occurred"])
        if rate > 0:
            events["received"] = np.where(
                events["late"], events["occurred"] + events["late_delay"], events["received"]
            )
            if state.tricky_pending and n:
                # one multi-line field near the top of the file
                events["properties"][0] = PROPERTY_TRICKY
                state.tricky_pending = False
        else:
            events["late"] = np.zeros(n, dtype=bool)
        ids = state.next_id + np.arange(n, dtype=np.int64)
        state.next_id += n
        cols = self._columns(events, ids)
        counts.clean += n
        counts.late += int(events["late"].sum())
        safe = [True] * len(cols) if self.csv_text else None
        if rate <= 0:
            return PreparedChunk(cols, safe, None, written=n)
        inserts = self._dirty_rows(events, cols, last)
        written = n + len(inserts.extras[0]) + len(inserts.raw_lines)
        return PreparedChunk(cols, safe, inserts, written)

    def _columns(self, events: dict[str, np.ndarray], ids: np.ndarray) -> list[pa.Array]:
        """The events as the table's text columns (COLUMNS["events"] order)."""
        pools = self.pools
        props_pool = pools.props_csv if self.csv_text else pools.props_raw
        return [
            format_ids("evt_", ids),
            format_timestamps(
                events["occurred"],
                events["occurred_style"],
                events["offset"],
                events["occurred_ms"],
            ),
            format_timestamps(
                events["received"],
                events["received_style"],
                events["offset"],
                events["received_ms"],
                ~events["received_null"],
            ),
            pc.take(self.visitor_ids, arrow_ints(events["visitor"])),
            take_codes(self.account_ids, events["account"], events["account_null"]),
            pc.take(pools.types, arrow_ints(events["event_type"])),
            take_codes(pools.names, events["event_name"].astype(np.int32)),
            take_codes(pools.features, events["feature"].astype(np.int32)),
            take_codes(props_pool, events["properties"].astype(np.int32)),
        ]

    def _dirty_rows(
        self, events: dict[str, np.ndarray], cols: list[pa.Array], last: bool
    ) -> Interleave:
        """This chunk's duplicates, bad rows and raw lines, and where they go."""
        state, counts, rate = self.state, self.counts, self.world.rate
        n = len(cols[0])
        rng = random_stream(self.world.seed, STREAM_EVENT_DIRT, state.dirty_chunks)
        state.dirty_chunks += 1
        # cumulative targets, so the totals are exactly round(rate * clean / kinds) per kind and
        # round(rate * clean) duplicates (at least 1 each)
        per_kind_total = round(rate * counts.clean / len(self.kinds))
        duplicates_total = round(rate * counts.clean)
        if last:
            per_kind_total = max(1, per_kind_total)
            duplicates_total = max(1, duplicates_total) if counts.clean else 0
        per_kind = per_kind_total - state.bad_done
        n_duplicates = duplicates_total - state.duplicates_done
        state.bad_done, state.duplicates_done = per_kind_total, duplicates_total
        source = self._source(events, cols) if n else None
        if source is None:
            source = state.last_source or synthetic_event_source(self.world)
        extras, raw_lines, state.next_id = dirty_events(
            source,
            self.kinds,
            per_kind,
            n_duplicates,
            rng,
            state.next_id,
            state.dirty_chunks,
            counts,
        )
        m = len(extras[0])
        perm = arrow_ints(rng.permutation(m))
        extras = [pc.take(c, perm) for c in extras]
        # extra rows and raw lines go in small groups between the clean rows
        n_points = max(1, min(64, m + len(raw_lines)))
        lo = min(20, n)  # keep the first lines of the file clean (CSV sniffing)
        points = np.sort(rng.integers(lo, n + 1, n_points)).tolist()
        sizes = [len(g) for g in np.array_split(np.arange(m), n_points)]
        return Interleave(
            extras,
            points,
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            raw_lines,
            np.array_split(np.arange(len(raw_lines)), n_points),
        )

    def _source(self, events: dict[str, np.ndarray], cols: list[pa.Array]) -> EventSource:
        """The chunk's clean events as a source of dirty rows; its tail is kept for a later
        chunk without events."""
        n = len(cols[0])
        offset = events["offset"]
        source = EventSource(
            cols,
            events["occurred"],
            events["received"],
            events["received_null"],
            offset.astype(np.int64),
        )
        tail = slice(max(0, n - SOURCE_TAIL), n)
        # a copy (a slice would keep the whole chunk in memory)
        tail_rows = arrow_ints(np.arange(max(0, n - SOURCE_TAIL), n))
        self.state.last_source = EventSource(
            [pc.take(c, tail_rows) for c in cols],
            events["occurred"][tail],
            events["received"][tail],
            events["received_null"][tail],
            offset[tail].astype(np.int64),
        )
        return source


def take_codes(pool: pa.Array, codes: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """pool[codes] as an Arrow array; null where a code is negative or `null` is True."""
    mask = codes < 0 if null is None else (null | (codes < 0))
    idx = arrow_ints(np.where(mask, 0, codes), mask)
    return pc.take(pool, idx)
