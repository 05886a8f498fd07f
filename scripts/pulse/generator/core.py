"""`generate()`: check the arguments, plan the world, write every table and the manifest."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pulse.errors import PulseError
from pulse.generator import conversion, pendo, segment
from pulse.generator.common import MAX_ACCOUNTS, Counts
from pulse.generator.event_stream import write_events
from pulse.generator.output_dir import prepare_out_dir, write_manifest
from pulse.generator.raw_tables import TABLES
from pulse.generator.small_tables import (
    write_accounts,
    write_features,
    write_renewals,
    write_subscriptions,
    write_visitors,
)
from pulse.generator.surveys import write_nps, write_polls
from pulse.generator.touchpoints import write_crm, write_tickets
from pulse.generator.world import World, plan_world
from pulse.generator.writers import FORMATS, writer_class
from pulse.progress import Progress

GENERATOR_VERSION = 1
DEFAULT_BAD_ROW_RATE = 0.01

# formats that write the scenario in the shape of another source system (README "Bring your
# Pendo or Segment data"): the native sample, converted
SOURCE_FORMATS = {"segment": segment, "pendo": pendo}

# every table but events, in the order they are written (each has its own random streams)
SMALL_TABLES: dict[str, Callable[[Path, World], tuple[Counts, str]]] = {
    "accounts": write_accounts,
    "visitors": write_visitors,
    "features": write_features,
    "nps_responses": write_nps,
    "poll_responses": write_polls,
    "support_tickets": write_tickets,
    "crm_activities": write_crm,
    "renewals": write_renewals,
    "subscriptions": write_subscriptions,
}


def generate(
    out_dir: Path,
    accounts: int = 200,
    days: int = 180,
    seed: int = 42,
    fmt: str = "csv",
    bad_row_rate: float | None = None,
    end_date: date = date(2026, 3, 31),
    events: int | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write the ten raw tables and `_manifest.json` to `out_dir`; return the manifest.

    out_dir must be missing, empty or written by an earlier `generate` (see prepare_out_dir).

    `events`, when given, picks the number of accounts so that about that many event rows
    are written (and `accounts` is ignored).

    `bad_row_rate`: the share of dirty rows; default DEFAULT_BAD_ROW_RATE for the native
    formats, 0 for a source format (written clean).
    """
    if bad_row_rate is None:
        bad_row_rate = 0.0 if fmt in SOURCE_FORMATS else DEFAULT_BAD_ROW_RATE
    _check_arguments(accounts, days, fmt, bad_row_rate, end_date, events)
    if fmt in SOURCE_FORMATS:
        return _generate_source_format(
            out_dir,
            fmt,
            overwrite,
            progress,
            accounts=accounts,
            days=days,
            seed=seed,
            end_date=end_date,
            events=events,
        )
    out_dir = prepare_out_dir(Path(out_dir), overwrite)
    extension = writer_class(fmt).extension
    # claim the files before writing them: an interrupted run leaves a folder we still own
    write_manifest(
        out_dir,
        {
            "generator_version": GENERATOR_VERSION,
            "complete": False,
            "tables": {t: {"file": f"{t}.{extension}"} for t in TABLES},
        },
    )
    world = plan_world(seed, days, end_date, fmt, bad_row_rate, accounts, events)

    counts: dict[str, Counts] = {}
    files: dict[str, str] = {}
    total_expected = int(sum(float(block.expected.sum()) for block in world.blocks))
    with Progress(total_expected, "events", enabled=progress) as bar:
        counts["events"], files["events"] = write_events(out_dir, world, bar)
    for table, write_table in SMALL_TABLES.items():
        counts[table], files[table] = write_table(out_dir, world)

    manifest: dict[str, Any] = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "accounts": world.n_accounts,
        "days": days,
        "end_date": end_date.isoformat(),
        "format": fmt,
        "bad_row_rate": bad_row_rate,
        "tables": {table: _table_entry(files[table], counts[table]) for table in TABLES},
        "complete": True,
    }
    write_manifest(out_dir, manifest)
    return manifest


def _generate_source_format(
    out_dir: Path, fmt: str, overwrite: bool, progress: bool, **scenario: Any
) -> dict[str, Any]:
    """The native sample of the same arguments, written clean to a temporary folder and
    converted to the tables of source system `fmt` (CSV files)."""
    out_dir = prepare_out_dir(Path(out_dir), overwrite)
    converter = SOURCE_FORMATS[fmt]
    tables = converter.TABLES
    write_manifest(
        out_dir,
        {
            "generator_version": GENERATOR_VERSION,
            "complete": False,
            "tables": {t: {"file": f"{t}.csv"} for t in tables},
        },
    )
    with tempfile.TemporaryDirectory(prefix="pulse-generate-") as tmp:
        native = generate(Path(tmp), fmt="csv", bad_row_rate=0.0, progress=progress, **scenario)
        native_rows = {t: entry["rows_written"] for t, entry in native["tables"].items()}
        rows = conversion.convert(converter, Path(tmp), native_rows, out_dir)
    manifest: dict[str, Any] = {
        **{k: v for k, v in native.items() if k not in ("tables", "format")},
        "format": fmt,
        "native_events": native["tables"]["events"]["rows_written"],
        "tables": {
            table: _table_entry(f"{table}.csv", Counts(clean=n)) for table, n in rows.items()
        },
    }
    write_manifest(out_dir, manifest)
    return manifest


def _check_arguments(
    accounts: int,
    days: int,
    fmt: str,
    bad_row_rate: float,
    end_date: date,
    events: int | None,
) -> None:
    if fmt not in FORMATS and fmt not in SOURCE_FORMATS:
        known = (*FORMATS, *SOURCE_FORMATS)
        raise PulseError(f"unknown format {fmt!r} (expected {', '.join(known)})")
    if fmt in SOURCE_FORMATS and bad_row_rate:
        raise PulseError(
            f"a {fmt} sample is written clean: the bad rows (--bad-row-rate) are a test of the "
            "native files, use --format csv or parquet for them"
        )
    if not isinstance(days, int) or days < 1:
        raise PulseError(f"days must be a whole number above 0, got {days!r}")
    if days > 3660:
        raise PulseError(f"days must be at most 3660, got {days}")
    if events is None and (not isinstance(accounts, int) or not 1 <= accounts <= MAX_ACCOUNTS):
        raise PulseError(f"accounts must be a whole number from 1 to {MAX_ACCOUNTS:,}")
    if events is not None and (not isinstance(events, int) or events < 1):
        raise PulseError(f"events must be a whole number above 0, got {events!r}")
    if not 0 <= bad_row_rate <= 0.5:
        raise PulseError(f"bad_row_rate must be from 0 to 0.5, got {bad_row_rate}")
    if not isinstance(end_date, date):
        raise PulseError(f"end_date must be a date, got {end_date!r}")
    if end_date.year < 1975 or end_date.year > 9000:
        raise PulseError(f"end_date {end_date} is out of range")


def _table_entry(file_name: str, counts: Counts) -> dict[str, Any]:
    return {
        "file": file_name,
        "rows_written": counts.clean + counts.duplicates + sum(counts.bad.values()),
        "clean_rows": counts.clean,
        "duplicate_rows": counts.duplicates,
        "late_rows": counts.late,
        "bad_rows": dict(sorted(counts.bad.items())),
    }
