"""What every output format implements: one raw table file, written in pieces.

A new output format is a new module with a `TableWriter` subclass, registered in
`writers/__init__.py` (WRITERS).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from pulse.errors import PulseError


@dataclass
class Interleave:
    """Extra rows (dirty copies, as columns) and raw lines to put between the clean rows of a
    chunk: group g goes after the first `points[g]` clean rows; its extra rows are
    `extras[extra_bounds[g]:extra_bounds[g + 1]]`, its raw lines `raw_lines[raw_groups[g]]`."""

    extras: list[pa.Array]
    points: list[int]
    extra_bounds: np.ndarray
    raw_lines: list[bytes]
    raw_groups: list[np.ndarray]


class TableWriter(ABC):
    """One raw table file: all columns as text (`pa.string()`)."""

    extension: ClassVar[str]
    # True: the writer takes CSV-ready text (the event properties come pre-quoted), so
    # columns flagged `safe` need no quoting pass
    csv_text: ClassVar[bool] = False

    def __init__(
        self,
        out_dir: Path,
        table: str,
        columns: Sequence[str],
        eol: str = "\n",
        bom: bool = False,
    ) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.eol = eol
        self.file_name = f"{table}.{self.extension}"
        self.path = out_dir / self.file_name
        self.schema = pa.schema([pa.field(c, pa.string()) for c in self.columns])
        try:
            self._open(bom)
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> PulseError:
        return PulseError(f"cannot write {self.path}: {exc.strerror or exc}")

    @abstractmethod
    def _open(self, bom: bool) -> None:
        """Create the file (`bom`: a UTF-8 byte order mark first, where the format has one)."""

    @abstractmethod
    def _close(self) -> None:
        """Finish and close the file (called once, also after a failure)."""

    @abstractmethod
    def write_columns(
        self,
        cols: Sequence[pa.Array],
        safe: Sequence[bool] | None = None,
        raw_after: dict[int, list[Any]] | None = None,
    ) -> None:
        """Write rows; `raw_after[i]` (bytes) is written as it is after the first i rows (only
        formats with lines have raw lines: unparseable lines are CSV-only)."""

    def write_interleaved(
        self, cols: list[pa.Array], safe: list[bool] | None, inserts: Interleave
    ) -> None:
        """Write a chunk of clean rows with extra rows between them (see Interleave): here as
        one Arrow table in row order; formats with lines may splice bytes instead."""
        table = pa.Table.from_arrays(cols, schema=self.schema)
        extra_table = pa.Table.from_arrays(inserts.extras, schema=self.schema)
        bounds = inserts.extra_bounds
        pieces = []
        prev = 0
        for group, point in enumerate(inserts.points):
            pieces.append(table.slice(prev, point - prev))
            prev = point
            first, end = int(bounds[group]), int(bounds[group + 1])
            if end > first:
                pieces.append(extra_table.slice(first, end - first))
        pieces.append(table.slice(prev))
        self.write_columns(pa.concat_tables(pieces).combine_chunks().columns)

    def close(self) -> None:
        try:
            self._close()
        except OSError as exc:
            raise self._error(exc) from None
