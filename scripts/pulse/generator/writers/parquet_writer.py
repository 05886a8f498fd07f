"""Parquet output (zstd, every column as a string)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pulse.generator.writers.base import TableWriter


class ParquetWriter(TableWriter):
    extension = "parquet"

    _parquet: pq.ParquetWriter | None = None

    def _open(self, bom: bool) -> None:
        self._parquet = pq.ParquetWriter(
            str(self.path),
            self.schema,
            compression="zstd",
            compression_level=3,
            use_dictionary=True,
            write_statistics=True,
            version="2.6",
            data_page_version="1.0",
        )

    def write_columns(
        self,
        cols: Sequence[pa.Array],
        safe: Sequence[bool] | None = None,
        raw_after: dict[int, list[Any]] | None = None,
    ) -> None:
        assert self._parquet is not None
        if cols and len(cols[0]):
            self._parquet.write_table(pa.Table.from_arrays(list(cols), schema=self.schema))

    def _close(self) -> None:
        try:
            if self._parquet is not None:
                self._parquet.close()
        finally:
            self._parquet = None
