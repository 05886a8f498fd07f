"""Output formats: one writer module per format, registered here.

To add a format, write a `TableWriter` subclass (see base.py) in its own module and add it
to WRITERS; `pulse generate --format` takes its choices from FORMATS.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pulse.generator.writers.base import Interleave, TableWriter
from pulse.generator.writers.csv_writer import CsvWriter
from pulse.generator.writers.parquet_writer import ParquetWriter

WRITERS: dict[str, type[TableWriter]] = {"csv": CsvWriter, "parquet": ParquetWriter}
FORMATS: tuple[str, ...] = tuple(WRITERS)
EXTENSIONS: tuple[str, ...] = tuple(w.extension for w in WRITERS.values())

__all__ = ["EXTENSIONS", "FORMATS", "WRITERS", "Interleave", "TableWriter", "open_writer"]


def writer_class(fmt: str) -> type[TableWriter]:
    return WRITERS[fmt]


def open_writer(
    out_dir: Path,
    table: str,
    columns: Sequence[str],
    fmt: str,
    eol: str = "\n",
    bom: bool = False,
) -> TableWriter:
    """Create `<table>.<extension>` in out_dir for the format `fmt` (eol, bom: CSV only)."""
    return WRITERS[fmt](out_dir, table, columns, eol=eol, bom=bom)
