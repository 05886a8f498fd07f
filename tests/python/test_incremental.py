"""Incremental landing and models give the same tables as a full refresh, row for row.

The events arrive as daily files in one raw folder (`events/<received day>.csv`), as a
production export does. Day 1: the files up to a cutoff; dbt builds everything. Day 2: new
daily files, a file of late events that occurred weeks before the cutoff (far beyond any
look-back window), and a file that re-delivers already-staged events with an EARLIER
received_at (some with another occurred_at, so the event moves to another day). After it,
`dbt build` runs incrementally (its data tests include the reconciliation read = staged +
quarantined + duplicates) and every model is compared with a full refresh of a copy of the
same folder, in both directions (bookkeeping columns, starting with `_`, aside). Then a small
table's file changed in place with its size and modification time kept, a changed and a
removed events file each stop the run with one line naming the file and the full-refresh
command; the same content copied back (new times, same checksum) is not landed again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pulse.generate import generate

CUTOFF_DAY = "2026-03-28"  # day-1 files: events received before this day (UTC)
LATE_BEFORE = "2026-03-01"  # late events: occurred before this, delivered on day 2
RECEIVED = "coalesce(try_cast(received_at as timestamptz), try_cast(occurred_at as timestamptz))"


def _split_events(src: Path, out: Path) -> dict[str, int]:
    """Write src/events.csv as daily files out/events/<received day>.csv (day 1 and 2), a late
    file and a re-delivery file (day 2); return what went where."""
    con = duckdb.connect()
    try:
        con.execute("set timezone = 'UTC'")
        con.execute(
            f"create table ev as select *, strftime({RECEIVED}, '%Y-%m-%d') as day, "
            "hash(event_id) % 50 = 0 and try_cast(occurred_at as timestamptz) "
            f"< timestamptz '{LATE_BEFORE} 00:00:00+00' as is_late "
            f"from read_csv('{src / 'events.csv'}', all_varchar = true, header = true, "
            "ignore_errors = true) where event_id is not null"
        )
        con.execute(
            "update ev set day = coalesce(day, '2026-01-01')"
        )  # unparseable timestamps: an early file
        days = [r[0] for r in con.execute("select distinct day from ev order by 1").fetchall()]
        (out / "events").mkdir(parents=True)
        (out / "later").mkdir()
        counts = {"late": 0, "redelivered": 0}
        for day in days:
            folder = out / "events" if day < CUTOFF_DAY else out / "later"
            con.execute(
                f"copy (select * exclude (day, is_late) from ev where day = '{day}' "
                f"and not is_late) to '{folder / (day + '.csv')}' (header true)"
            )
        # late: occurred weeks ago, received on day 2
        counts["late"] = con.execute(
            f"copy (select * exclude (day, is_late, received_at), "
            f"'2026-03-29T08:00:00Z' as received_at from ev where is_late) "
            f"to '{out / 'later' / 'late-events.csv'}' (header true)"
        ).fetchone()[0]
        # re-deliveries of day-1 events with an earlier received_at; every third one also
        # with another occurred_at (a conflicting payload, two days earlier)
        counts["redelivered"] = con.execute(
            "copy (select event_id, "
            "case when hash(event_id) % 3 = 0 then strftime(try_cast(occurred_at as timestamptz) "
            "- interval 2 day, '%Y-%m-%dT%H:%M:%SZ') else occurred_at end as occurred_at, "
            "case when hash(event_id) % 3 = 0 then strftime(try_cast(occurred_at as timestamptz) "
            "- interval 2 day, '%Y-%m-%dT%H:%M:%SZ') else occurred_at end as received_at, "
            "visitor_id, account_id, event_type, event_name, feature_id, properties "
            "from ev where day < '2026-03-20' and not is_late "
            "and try_cast(occurred_at as timestamptz) is not null "
            "and try_cast(received_at as timestamptz) > try_cast(occurred_at as timestamptz) "
            "and hash(event_id) % 40 = 1) "
            f"to '{out / 'later' / 'redelivery.csv'}' (header true)"
        ).fetchone()[0]
        # re-deliveries with an earlier received_at, two days earlier, naming a visitor that
        # does not exist: the re-delivery wins and is then quarantined (unknown_visitor), so
        # the event leaves the day it was on
        counts["redelivered_unknown_visitor"] = con.execute(
            "copy (select event_id, "
            "strftime(try_cast(occurred_at as timestamptz) - interval 2 day, "
            "'%Y-%m-%dT%H:%M:%SZ') as occurred_at, "
            "strftime(try_cast(occurred_at as timestamptz) - interval 2 day, "
            "'%Y-%m-%dT%H:%M:%SZ') as received_at, "
            "'vis_not_known' as visitor_id, account_id, event_type, event_name, feature_id, "
            "properties "
            "from ev where day < '2026-03-20' and not is_late "
            "and try_cast(occurred_at as timestamptz) is not null "
            "and hash(event_id) % 40 = 2) "
            f"to '{out / 'later' / 'redelivery-unknown-visitor.csv'}' (header true)"
        ).fetchone()[0]
    finally:
        con.close()
    return counts


@pytest.fixture(scope="module")
def raw_root(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("incremental")
    src = root / "generated"
    generate(src, accounts=12, days=60, seed=11, bad_row_rate=0.01, progress=False)
    staging = root / "parts"
    counts = _split_events(src, staging)
    raw = root / "raw"
    raw.mkdir()
    for file in src.glob("*.csv"):
        if file.name != "events.csv":
            shutil.copy(file, raw / file.name)
    shutil.copytree(staging / "events", raw / "events")
    return root, counts


def _columns(db_file: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        rows = con.execute(
            "select table_schema || '.' || table_name, list(column_name order by ordinal_position) "
            "from information_schema.columns "
            "where table_schema in ('staging', 'intermediate', 'marts') group by 1"
        ).fetchall()
    finally:
        con.close()
    return {name: [c for c in columns if not c.startswith("_")] for name, columns in rows}


def _assert_same(incremental_db: Path, full_db: Path) -> None:
    tables = _columns(full_db)
    assert {"marts.fct_visitor_days", "staging.stg_product__events"} <= set(tables)
    inc, ful = incremental_db.stem, full_db.stem
    assert inc != ful
    con = duckdb.connect()
    try:
        # attached under their own names: the staging views refer to them by name
        con.execute(f"attach '{incremental_db}' as {inc} (read_only)")
        con.execute(f"attach '{full_db}' as {ful} (read_only)")
        for table, columns in sorted(tables.items()):
            cols = ", ".join(f'"{c}"' for c in columns)
            for left, right in [(inc, ful), (ful, inc)]:
                diff = con.execute(
                    f"select count(*) from (select {cols} from {left}.{table} "
                    f"except all select {cols} from {right}.{table})"
                ).fetchone()[0]
                assert diff == 0, f"{table}: {diff} rows in {left} are not in {right}"
    finally:
        con.close()


def _full_refresh_copy(dbt, raw: Path, work: Path, name: str) -> Path:
    """A full refresh of a copy of the raw folder (the copy is needed: a database remembers
    its raw folder)."""
    copy = work / f"{name}-raw"
    shutil.copytree(raw, copy)
    db_file = work / f"{name}.duckdb"
    for args in (["seed"], ["run", "--full-refresh"]):
        result = dbt(args, db_file, copy)
        assert result.returncode == 0, result.stdout[-3000:]
    # the copy holds other paths: compare with the incremental database by content only
    return db_file


def _one(db_file: Path, sql: str):
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def test_daily_files_late_events_and_redeliveries_equal_a_full_refresh(dbt, raw_root, tmp_path):
    root, counts = raw_root
    assert counts["late"] > 0 and counts["redelivered"] > 0
    raw = root / "raw"
    db_file = tmp_path / "incremental.duckdb"
    build = ["build", "--exclude-resource-type", "unit_test"]

    for args in (["seed"], build):
        result = dbt(args, db_file, raw)
        assert result.returncode == 0, result.stdout[-3000:]
    day1_files = _one(db_file, "select count(*) from raw._pulse_files")[0]

    # day 2: new daily files, late events, earlier re-deliveries
    for file in sorted((root / "parts" / "later").glob("*.csv")):
        shutil.copy(file, raw / "events" / file.name)
    result = dbt(build, db_file, raw)
    assert result.returncode == 0, result.stdout[-3000:]
    # only the new files were landed, and the facts really ran incrementally
    landed = _one(db_file, "select count(*), count(distinct load_id) from raw._pulse_files")
    new_files = len(list((root / "parts" / "later").glob("*.csv")))
    assert landed == (day1_files + new_files, 2)
    batches = _one(db_file, "select count(distinct _pulse_batch_at) from marts.fct_visitor_days")
    assert batches[0] == 2, "day 2 should have rebuilt some days of fct_visitor_days, not all"
    replaced = _one(
        db_file,
        "select count(*) filter (where _replaced_occurred_at is not null), "
        "count(*) filter (where _load_id = 2) from staging.stg_product__events",
    )
    assert replaced[0] > 0, "conflicting re-deliveries should have moved events"
    conflicting = _one(
        db_file,
        "select count(distinct event_id) from staging.stg_product__events_duplicates "
        "where duplicate_reason = 'conflicting_redelivery'",
    )
    assert conflicting[0] == replaced[0]
    # the winning re-deliveries that name an unknown visitor are quarantined, not staged,
    # and the days their events left were rebuilt (the comparison below would see them)
    unknown = _one(
        db_file,
        "select count(*) filter (where rejection_reason = 'unknown_visitor'), count(*) "
        "from intermediate.int_events_checked where visitor_id = 'vis_not_known'",
    )
    assert unknown[0] == unknown[1] > 0
    # (fewer than written: a re-delivery of an event whose first delivery was itself rejected
    # row by row, or of an exact duplicate, has nothing to replace)
    assert unknown[0] <= counts["redelivered_unknown_visitor"]
    _assert_same(db_file, _full_refresh_copy(dbt, raw, tmp_path, "day2"))

    # a small table's file changed in place, keeping its size and modification time (as
    # `cp -p`, `rsync -a` or unzip leave a replaced file): detected by its checksum, the run
    # stops with one line; restoring the content makes the run pass again
    accounts = raw / "accounts.csv"
    stat = accounts.stat()
    text = accounts.read_bytes()
    header, first, rest = text.split(b"\n", 2)
    changed = first.replace(b"a", b"e", 1) if b"a" in first else first.replace(b"1", b"2", 1)
    assert changed != first and len(changed) == len(first)
    accounts.write_bytes(b"\n".join([header, changed, rest]))
    os.utime(accounts, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert accounts.stat().st_size == stat.st_size
    assert accounts.stat().st_mtime_ns == stat.st_mtime_ns
    result = dbt(build, db_file, raw)
    assert result.returncode != 0
    assert f"raw file {accounts} changed since it was landed" in result.stdout
    accounts.write_bytes(text)
    os.utime(accounts, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = dbt(build, db_file, raw)
    assert result.returncode == 0, result.stdout[-3000:]
    _assert_same(db_file, _full_refresh_copy(dbt, raw, tmp_path, "day3"))

    # a changed or removed events file stops the run with one line naming it
    day_file = sorted((raw / "events").glob("2026-03-1*.csv"))[0]
    original = day_file.read_bytes()
    day_file.write_bytes(original.replace(b"page_view", b"track", 1))
    result = dbt(build, db_file, raw)
    assert result.returncode != 0
    assert f"raw file {day_file} changed since it was landed" in result.stdout
    assert "--full-refresh" in result.stdout
    day_file.unlink()
    result = dbt(build, db_file, raw)
    assert result.returncode != 0
    assert f"raw file {day_file} removed since it was landed" in result.stdout
    result = dbt(["run", "--full-refresh"], db_file, raw)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_same_rows_as_one_file_or_daily_files_give_identical_marts(dbt, raw_root, tmp_path):
    """README "Your own data": a table is a file or a folder of files, CSV or Parquet; the marts
    do not depend on which."""
    root, _ = raw_root
    one = tmp_path / "one"
    shutil.copytree(root / "raw", one)
    con = duckdb.connect()
    try:
        con.execute(
            f"copy (select * from read_csv('{one / 'events'}/*.csv', all_varchar = true, "
            f"header = true, union_by_name = true)) to '{tmp_path / 'events.parquet'}' "
            "(format parquet)"
        )
    finally:
        con.close()
    shutil.rmtree(one / "events")
    shutil.move(tmp_path / "events.parquet", one / "events.parquet")
    daily_db = _full_refresh_copy(dbt, root / "raw", tmp_path, "daily")
    single_db = tmp_path / "single.duckdb"
    for args in (["seed"], ["run", "--full-refresh"]):
        result = dbt(args, single_db, one)
        assert result.returncode == 0, result.stdout[-3000:]
    _assert_same(single_db, daily_db)
