"""The raw folder layout (README "Your own data"), in one place: which files make up a raw table.

A table is one file `<table>.csv` / `<table>.parquet` in the raw folder, or a folder
`<table>/` holding any number of such files at any depth (daily drops such as
`events/2026-03-31.csv`, Hive-style `events/received_date=2026-03-31/part-0.parquet`).
Names starting with `.` or `_` are skipped (`_SUCCESS`, `.crc`, editors' swap files), as
Spark and Hive do. Any other file in a table folder must be CSV (`.csv`, `.csv.gz`) or
Parquet: an unknown file is an error, never silently ignored.

dbt's landing step (macro `land_raw_files`) calls these functions through the DuckDB
plugin `pulse.duckdb_plugin`; `pulse` commands and the tests call them directly. Nothing
here writes to the raw folder.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path
from typing import Any

CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet",)


class RawLayoutError(Exception):
    """A raw folder that does not follow the layout; the message is one line."""


class RawTableMissing(RawLayoutError):
    """The raw folder has no file or folder for the table at all (an optional table of the
    raw contract may be missing: it is then landed empty)."""


def _kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(CSV_SUFFIXES):
        return "csv"
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return None


def _skipped(name: str) -> bool:
    return name.startswith((".", "_"))


def table_files(raw_dir: str | os.PathLike[str], table: str) -> list[dict[str, Any]]:
    """Every file of `table` in raw_dir, sorted by path, with its stat fingerprint.

    Raises RawLayoutError (one line) when the folder or the table is missing (the table:
    RawTableMissing, which the landing accepts for an optional table), when the table
    is both a file and a folder (or both .csv and .parquet), when its folder holds no file, or
    when a file is neither CSV nor Parquet.
    """
    root = Path(raw_dir)
    if not root.is_dir():
        raise RawLayoutError(
            f"raw folder {root} does not exist (set PULSE_RAW_PATH to the folder of your raw "
            "files, or unset it for the generated sample)"
        )
    singles = [root / f"{table}{suffix}" for suffix in (*CSV_SUFFIXES, *PARQUET_SUFFIXES)]
    found = [p for p in singles if p.is_file()]
    folder = root / table
    if folder.is_dir():
        found.append(folder)
    if not found:
        raise RawTableMissing(
            f"no raw table '{table}' in {root} (expected {table}.csv, {table}.parquet or a "
            f"folder {table}/ of such files)"
        )
    if len(found) > 1:
        names = ", ".join(p.name + ("/" if p.is_dir() else "") for p in found)
        raise RawLayoutError(f"raw table '{table}' is given twice in {root} ({names}); keep one")
    files: list[Path] = []
    if found[0].is_dir():
        for dirpath, dirnames, filenames in os.walk(found[0]):
            dirnames[:] = sorted(d for d in dirnames if not _skipped(d))
            for name in sorted(filenames):
                if _skipped(name):
                    continue
                path = Path(dirpath) / name
                if _kind(name) is None:
                    raise RawLayoutError(
                        f"{path} is neither CSV (.csv, .csv.gz) nor Parquet (.parquet); move it "
                        f"out of {found[0]} or rename it to start with '_'"
                    )
                files.append(path)
        if not files:
            raise RawLayoutError(f"raw table folder {found[0]} holds no CSV or Parquet file")
    else:
        files = [found[0]]
    return [fingerprint(p) for p in sorted(files)]


def fingerprint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Path, format and stat fingerprint of a file. Any write to a file changes its ctime
    (which no tool can set back), so an unchanged fingerprint means unchanged content; a
    changed one is settled by the content checksum."""
    p = Path(path)
    st = p.stat()
    return {
        "path": str(p),
        "format": _kind(p.name),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "ctime_ns": st.st_ctime_ns,
        "inode": st.st_ino,
    }


def sha256(path: str | os.PathLike[str]) -> str:
    """Content checksum of a file, read in 8 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(8 << 20):
            digest.update(block)
    return digest.hexdigest()


def csv_header(path: str | os.PathLike[str]) -> list[str]:
    """The header names of a CSV file (RFC 4180; a UTF-8 byte-order mark is dropped).

    Raises RawLayoutError (one line) for an empty file, a header that is not UTF-8 or has an
    empty or repeated name.
    """
    import gzip

    opener = gzip.open if str(path).lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        head = handle.read(1 << 20)
    if not head.strip():
        raise RawLayoutError(f"{path} is empty: a CSV file needs at least a header row")
    text = head.decode("utf-8-sig", errors="replace")
    csv.field_size_limit(1 << 30)
    try:
        header = next(csv.reader(io.StringIO(text)))
    except (StopIteration, csv.Error) as exc:
        raise RawLayoutError(f"{path}: the header row cannot be read ({exc})") from None
    names = [name.strip().lower() for name in header]
    if any("\ufffd" in name for name in names):
        raise RawLayoutError(f"{path}: the header row is not UTF-8")
    if any(not name for name in names):
        raise RawLayoutError(f"{path}: the header row has an empty column name")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise RawLayoutError(
                f"{path}: the header names column '{name}' twice; which one holds the data "
                "is ambiguous, so the file is not read"
            )
        seen.add(name)
    return header
