"""`pulse publish`: the marts copied into the served DuckDB file BI tools read, replaced in one
rename. A reader holding the served file open never blocks a build or a publish and keeps
reading one complete version; a failed build or validation leaves the served file as it was.

Real dbt and real `pulse` processes on private copies of the test database (see `site`)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from pulse.publish import MART_PREFIXES, PUBLISHED_TABLE


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mart_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by table_name"
        ).fetchall()
        if name.startswith(MART_PREFIXES)
    ]
    return {n: con.execute(f"select count(*) from marts.{n}").fetchone()[0] for n in names}


def _columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and regexp_matches(table_name, '^(dim|fct|rpt)_') "
        "order by table_name, ordinal_position"
    ).fetchall()


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What a reader sees: the pulse_published row, the as-of date and every mart's rows."""
    published_at, invocation_id, as_of = con.execute(
        f"select published_at, dbt_invocation_id, as_of_date from main.{PUBLISHED_TABLE}"
    ).fetchone()
    return {
        "published_at": str(published_at),
        "dbt_invocation_id": invocation_id,
        "as_of_date": str(as_of),
        "window": str(con.execute("select as_of_date from marts.dim_report_window").fetchone()[0]),
        "rows": _mart_counts(con),
        # every value of the largest marts, read now (not from what the reader cached)
        "fingerprint": [
            con.execute(f"select sum(hash(t)) from marts.{name} as t").fetchone()[0]
            for name in ("fct_visitor_days", "fct_account_health_daily", "dim_visitors")
        ],
    }


def _state_in_a_new_process(served: Path) -> dict[str, Any]:
    """What a new reader (another process, as a BI tool) sees in the served file."""
    code = (
        "import json, sys, duckdb\n"
        "from test_publish import _state\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(json.dumps(_state(con)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(served)],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _last_run_id(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select invocation_id from main.pulse_dbt_runs order by started_at desc limit 1"
        ).fetchone()[0]


def _leftovers(served: Path) -> list[str]:
    return sorted(p.name for p in served.parent.iterdir() if p.name != served.name)


def test_the_served_file_holds_every_mart_as_a_table_and_needs_no_build_database(site):
    with duckdb.connect(str(site.db), read_only=True) as con:
        counts, columns = _mart_counts(con), _columns(con)
        as_of = str(con.execute("select as_of_date from marts.dim_report_window").fetchone()[0])
    assert len(counts) >= 30 and {n[:4] for n in counts} == set(MART_PREFIXES)
    run_id = _last_run_id(site.db)
    site.db.rename(site.db.with_name("moved-away.duckdb"))  # nothing may point into it

    with duckdb.connect(str(site.served), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables"
        ).fetchall()
        assert sorted(relations) == sorted(
            [("marts", n, "BASE TABLE") for n in counts] + [("main", PUBLISHED_TABLE, "BASE TABLE")]
        )
        assert _columns(con) == columns  # same columns, same types
        state = _state(con)
    assert state["rows"] == counts
    assert state["dbt_invocation_id"] == run_id
    assert state["as_of_date"] == state["window"] == as_of
    assert _leftovers(site.served) == []


def test_an_open_reader_keeps_its_version_while_a_build_publishes_again(site):
    reader = duckdb.connect(str(site.served), read_only=True)
    try:
        before = _state(reader)
        # the scheduled job, as a scheduler runs it: a complete dbt build, validate, publish
        done = site.pulse("run", "--skip", "export", "--skip", "report")
        assert done.returncode == 0, done.stderr[-2000:]
        # the reader still reads the version it opened, all of it (pulse_published is a table
        # of the same file: a reader of the new file would see the new row)
        assert _state(reader) == before
        after = _state_in_a_new_process(site.served)
        assert after["dbt_invocation_id"] == _last_run_id(site.db) != before["dbt_invocation_id"]
        assert after["published_at"] > before["published_at"]
        # the same raw data, so the same marts: a complete version, not a half-written one
        assert {
            k: v for k, v in after.items() if k not in ("published_at", "dbt_invocation_id")
        } == {k: v for k, v in before.items() if k not in ("published_at", "dbt_invocation_id")}

        # and once more, directly, while the reader still holds the first version
        again = site.pulse("publish")
        assert again.returncode == 0, again.stderr
        assert _state(reader) == before
        assert _state_in_a_new_process(site.served)["published_at"] > after["published_at"]
    finally:
        reader.close()
    assert _leftovers(site.served) == []


def _refused(site, reason: str) -> None:
    done = site.pulse("publish")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"pulse publish: publish refused: {reason}"]


def test_a_failed_build_leaves_the_served_file_unchanged(site):
    served = _sha256(site.served)
    # a var that passes the checks but breaks a model when it runs: the build ends with errors
    done = site.pulse(
        "run",
        "--vars",
        "{benchmark_peer_group: no_such_column}",
        "--dbt-args",
        "--select fct_account_feature_benchmarks",
    )
    assert done.returncode == 1
    assert "pulse run: step dbt-build failed: " in done.stderr.splitlines()[-1]
    assert _sha256(site.served) == served
    # publishing by hand after it is refused: the last dbt run failed
    runs = _last_run_id(site.db)
    with duckdb.connect(str(site.db), read_only=True) as con:
        finished = con.execute(
            "select finished_at from main.pulse_dbt_runs where invocation_id = ?", [runs]
        ).fetchone()[0]
    _refused(
        site,
        f"the last dbt run ({runs}, {finished.isoformat()}) failed: some marts are older than it; "
        "the last validation checked an older dbt run (run `pulse validate` again)",
    )
    assert _sha256(site.served) == served
    assert _leftovers(site.served) == []


def test_a_failed_or_missing_validation_leaves_the_served_file_unchanged(site):
    served = _sha256(site.served)
    with duckdb.connect(str(site.db)) as con:  # a mart with a value its tests reject
        con.execute("update marts.fct_account_health set health_band = 'excellent'")
    done = site.pulse("validate", "--select", "fct_account_health")
    assert done.returncode == 1, done.stdout
    _refused(site, "the last validation failed (see quality/validation.json)")
    assert _sha256(site.served) == served

    (site.exports / "quality" / "validation.json").unlink()
    _refused(site, "the marts have not been validated (run `pulse validate` first)")
    assert _sha256(site.served) == served
    assert _leftovers(site.served) == []


def test_on_postgres_publishing_is_a_no_op_naming_the_marts_schema(site):
    served = _sha256(site.served)
    done = site.pulse("publish", PULSE_TARGET="postgres", PGHOST="/nonexistent")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "publish: nothing to copy on postgres: BI tools read the marts schema of the "
        "database itself"
    ]
    assert _sha256(site.served) == served
