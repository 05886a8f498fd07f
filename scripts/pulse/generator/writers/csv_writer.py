"""CSV output (own serialiser, RFC 4180: quote only when needed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, BinaryIO

import pyarrow as pa

from pulse.generator.csv_text import csv_field, csv_lines, line_bytes
from pulse.generator.writers.base import Interleave, TableWriter


class CsvWriter(TableWriter):
    extension = "csv"
    csv_text = True

    _file: BinaryIO | None = None

    def _open(self, bom: bool) -> None:
        self._file = open(self.path, "wb", buffering=1 << 20)  # noqa: SIM115
        header = ",".join(csv_field(c) for c in self.columns) + self.eol
        self._file.write((b"\xef\xbb\xbf" if bom else b"") + header.encode())

    def write_columns(
        self,
        cols: Sequence[pa.Array],
        safe: Sequence[bool] | None = None,
        raw_after: dict[int, list[Any]] | None = None,
    ) -> None:
        assert self._file is not None
        n = len(cols[0]) if cols else 0
        raw_after = raw_after or {}
        try:
            pos = 0
            if n:
                data, offsets = line_bytes(csv_lines(cols, self.eol, safe))
                view = memoryview(data)
            for key in sorted(raw_after):
                cut = min(max(key, 0), n)
                if cut > pos:
                    self._file.write(view[offsets[pos] : offsets[cut]])
                    pos = cut
                for piece in raw_after[key]:
                    self._file.write(piece)
            if pos < n:
                self._file.write(view[offsets[pos] : offsets[n]])
        except OSError as exc:
            raise self._error(exc) from None

    def write_interleaved(
        self, cols: list[pa.Array], safe: list[bool] | None, inserts: Interleave
    ) -> None:
        """The extra rows as CSV lines, spliced in as bytes with the raw lines."""
        extras = inserts.extras
        data, offsets = line_bytes(csv_lines(extras, self.eol, safe=[True] * len(extras)))
        view = memoryview(data)
        bounds = inserts.extra_bounds
        raw_after: dict[int, list[Any]] = {}
        for group, point in enumerate(inserts.points):
            first, end = int(bounds[group]), int(bounds[group + 1])
            pieces: list[Any] = [view[offsets[first] : offsets[end]]] if end > first else []
            pieces += [inserts.raw_lines[i] for i in inserts.raw_groups[group]]
            if pieces:
                raw_after.setdefault(point, []).extend(pieces)
        self.write_columns(cols, safe=safe, raw_after=raw_after)

    def _close(self) -> None:
        try:
            if self._file is not None:
                self._file.close()
        finally:
            self._file = None
