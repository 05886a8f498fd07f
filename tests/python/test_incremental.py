"""Incremental models give the same tables as a full refresh, row for row.

Day 1: the raw events received before a cutoff; dbt builds everything from scratch.
Day 2: every event, including late ones received after the cutoff for days before it;
dbt runs incrementally on the day-1 database. A second database is built from scratch on the
day-2 data, and every mart is compared in both directions (bookkeeping `_pulse_` columns
aside)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pulse.generate import generate

CUTOFF = "2026-03-28 12:00:00"  # UTC; the generated data ends on 2026-03-31


@pytest.fixture(scope="module")
def day_folders(tmp_path_factory) -> tuple[Path, Path, int]:
    """(day-1 raw folder, day-2 raw folder, late events that arrive on day 2)."""
    root = tmp_path_factory.mktemp("incremental")
    day2 = root / "day2"
    generate(day2, accounts=12, days=60, seed=11, bad_row_rate=0.01, progress=False)
    day1 = root / "day1"
    day1.mkdir()
    for file in day2.glob("*.csv"):
        if file.name != "events.csv":
            shutil.copy(file, day1 / file.name)
    con = duckdb.connect()
    try:
        con.execute("set timezone = 'UTC'")
        events = (
            f"read_csv('{day2 / 'events.csv'}', all_varchar = true, header = true, "
            "ignore_errors = true)"
        )
        received = (
            "coalesce(try_cast(received_at as timestamptz), try_cast(occurred_at as timestamptz))"
        )
        con.execute(
            f"copy (select * from {events} "
            f"where coalesce({received} < timestamptz '{CUTOFF}+00', true)) "
            f"to '{day1 / 'events.csv'}' (header true)"
        )
        late = con.execute(
            f"select count(*) from {events} where {received} >= timestamptz '{CUTOFF}+00' "
            f"and try_cast(occurred_at as timestamptz) < timestamptz '{CUTOFF[:10]} 00:00:00+00'"
        ).fetchone()[0]
    finally:
        con.close()
    return day1, day2, late


def _tables(db_file: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        rows = con.execute(
            "select table_schema || '.' || table_name, list(column_name order by ordinal_position) "
            "from information_schema.columns where table_schema in ('marts', 'intermediate') "
            "and table_name in (select table_name from information_schema.tables "
            "where table_type = 'BASE TABLE') group by 1"
        ).fetchall()
    finally:
        con.close()
    return {name: [c for c in columns if not c.startswith("_pulse_")] for name, columns in rows}


def test_incremental_run_equals_full_refresh(dbt, day_folders, tmp_path):
    day1, day2, late = day_folders
    assert late > 0, "day 2 must bring late events for days before the cutoff"
    incremental_db = tmp_path / "incremental.duckdb"
    full_db = tmp_path / "full.duckdb"

    # the daily job: the same raw folder (a new folder is a new data set: it needs a full
    # refresh), its files replaced by the next day's
    live = tmp_path / "raw"
    shutil.copytree(day1, live)
    for args, db_file, raw in [
        (["seed"], incremental_db, live),
        (["run"], incremental_db, live),
        (None, None, day2),
        (["run"], incremental_db, live),
        (["seed"], full_db, day2),
        (["run", "--full-refresh"], full_db, day2),
    ]:
        if args is None:
            shutil.copytree(raw, live, dirs_exist_ok=True)
            continue
        result = dbt(args, db_file, raw)
        assert result.returncode == 0, result.stdout[-3000:]

    # the second run really was incremental
    con = duckdb.connect(str(incremental_db), read_only=True)
    try:
        batches = con.execute(
            "select count(distinct _pulse_batch_at) from marts.fct_visitor_days"
        ).fetchone()[0]
    finally:
        con.close()
    assert batches == 2, "day 2 should have rebuilt some days of fct_visitor_days, not all"

    tables = _tables(full_db)
    assert {"marts.fct_visitor_days", "marts.fct_account_usage_daily"} <= set(tables)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{incremental_db}' as inc (read_only)")
        con.execute(f"attach '{full_db}' as ful (read_only)")
        for table, columns in sorted(tables.items()):
            cols = ", ".join(f'"{c}"' for c in columns)
            for left, right in [("inc", "ful"), ("ful", "inc")]:
                diff = con.execute(
                    f"select count(*) from (select {cols} from {left}.{table} "
                    f"except all select {cols} from {right}.{table})"
                ).fetchone()[0]
                assert diff == 0, f"{table}: {diff} rows in {left} are not in {right}"
        total = con.execute("select count(*) from ful.marts.fct_visitor_days").fetchone()[0]
        assert total > 0
    finally:
        con.close()
