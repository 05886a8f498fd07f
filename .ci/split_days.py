"""Two days of raw files from one generated folder, for make test-spark's incremental run.

usage: split_days.py SRC RAW DAY2

RAW gets every table of SRC, except that events become daily files events/<received day>.csv
received before the cutoff (day 1). DAY2 gets the files that arrive the next day (copied into
RAW/events/ after the first build): the daily files from the cutoff on, a file of late events
that occurred weeks before the cutoff, and a file re-delivering day-1 events with an earlier
received_at (every third one with another occurred_at, moving it to another day). The same
split as tests/python/test_incremental.py.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb

CUTOFF_DAY = "2026-03-28"
LATE_BEFORE = "2026-03-01"
RECEIVED = "coalesce(try_cast(received_at as timestamptz), try_cast(occurred_at as timestamptz))"


def split(src: Path, raw: Path, day2: Path) -> None:
    raw.mkdir(parents=True)
    (raw / "events").mkdir()
    day2.mkdir(parents=True)
    for file in sorted(src.iterdir()):
        if file.name.startswith(("_", ".")) or file.name.startswith("events"):
            continue
        (shutil.copytree if file.is_dir() else shutil.copy)(file, raw / file.name)
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
        con.execute("update ev set day = coalesce(day, '2026-01-01')")
        days = [r[0] for r in con.execute("select distinct day from ev order by 1").fetchall()]
        for day in days:
            folder = raw / "events" if day < CUTOFF_DAY else day2
            con.execute(
                f"copy (select * exclude (day, is_late) from ev where day = '{day}' "
                f"and not is_late) to '{folder / (day + '.csv')}' (header true)"
            )
        con.execute(
            "copy (select * exclude (day, is_late, received_at), "
            "'2026-03-29T08:00:00Z' as received_at from ev where is_late) "
            f"to '{day2 / 'late-events.csv'}' (header true)"
        )
        con.execute(
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
            f"to '{day2 / 'redelivery.csv'}' (header true)"
        )
    finally:
        con.close()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    split(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
