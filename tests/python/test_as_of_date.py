"""Any as_of_date inside the data builds green, and "current" marts hold only what exists then.

The sample is built from scratch at three dates: the end of its first month, its mid-point and a
week before its last day. Every data test must pass, and no current mart may name an account or
visitor that does not exist on as_of_date (created later and not active yet): dim_accounts and
dim_visitors hold the ones that exist, every other mart must stay inside them. The exceptions
are the all-days facts fct_visitor_days and fct_account_days (every day of the data, independent
of as_of_date), which the incremental models build on.

The last date is built on a copy of the test database (built without as_of_date, so up to
the last day) without --full-refresh: moving as_of_date back on an existing database works, the
history models then end on it.

A day of the PES history reads only what happened up to that day: at each date the PES
history of the build equals that of the test database up to that date, so its last day (the
build's fct_engagement_scores) is the test database's history row of that day."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

ALL_DAYS_FACTS = {"fct_visitor_days", "fct_account_days"}


def _isolated(args: list[str], folder: Path) -> list[str]:
    return [*args, "--target-path", str(folder / "target"), "--log-path", str(folder / "logs")]


@pytest.fixture(scope="module")
def activity_range(built_db) -> tuple[dt.date, dt.date]:
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        sql = "select first_activity_date, last_activity_date from marts.dim_report_window"
        return con.execute(sql).fetchone()
    finally:
        con.close()


@pytest.fixture(scope="module")
def as_of_builds(dbt, raw_dir, built_db, activity_range, tmp_path_factory) -> dict[dt.date, tuple]:
    """A build (no unit tests) at each date, two at a time: the first two on a new database,
    the last one on a copy of the test database (incremental)."""
    first, last = activity_range
    first_month_end = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(
        days=1
    )
    dates = [first_month_end, first + (last - first) / 2, last - dt.timedelta(days=7)]
    root = tmp_path_factory.mktemp("as_of")

    def build(day: dt.date) -> tuple[subprocess.CompletedProcess[str], Path]:
        folder = root / day.isoformat()
        folder.mkdir()
        db_file = folder / built_db.name  # same name: same DuckDB catalog
        if day == dates[-1]:
            shutil.copy(built_db, db_file)
        cli_vars = f"{{as_of_date: {day.isoformat()}}}"
        args = ["build", "--exclude-resource-type", "unit_test", "--vars", cli_vars]
        return dbt(_isolated(args, folder), db_file, raw_dir), db_file

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(dates, pool.map(build, dates), strict=True))


def _marts_with(con: duckdb.DuckDBPyConnection, column: str) -> list[str]:
    sql = (
        "select c.table_name from information_schema.columns c join information_schema.tables t "
        "on t.table_schema = c.table_schema and t.table_name = c.table_name "
        "where c.table_schema = 'marts' and c.column_name = ? order by 1"
    )
    return [name for (name,) in con.execute(sql, [column]).fetchall()]


def test_every_data_test_passes_at_past_dates(as_of_builds):
    for day, (result, _) in as_of_builds.items():
        assert result.returncode == 0, f"as_of_date {day}:\n{result.stdout[-4000:]}"
        assert "ERROR=0" in result.stdout, result.stdout[-2000:]


def test_current_marts_hold_only_what_exists_on_as_of_date(as_of_builds, raw_dir):
    for day, (result, db_file) in as_of_builds.items():
        assert result.returncode == 0, f"as_of_date {day}:\n{result.stdout[-4000:]}"
        con = duckdb.connect(str(db_file), read_only=True)
        try:
            assert (
                con.execute("select as_of_date from marts.dim_report_window").fetchone()[0] == day
            )
            # accounts created after as_of_date exist in the staged data but not in the marts
            later = con.execute(
                "select count(*) from staging.stg_product__accounts "
                "where cast(created_at as date) > ? and account_id not in "
                "(select account_id from marts.fct_visitor_days where activity_date <= ?)",
                [day, day],
            ).fetchone()[0]
            total = con.execute("select count(*) from staging.stg_product__accounts").fetchone()[0]
            in_dim = con.execute("select count(*) from marts.dim_accounts").fetchone()[0]
            assert in_dim == total - later, (day, in_dim, total, later)
            assert con.execute(
                "select count(*) from marts.dim_accounts where churned_at::date > ?", [day]
            ).fetchone() == (0,)
            for history in (
                "fct_account_usage_daily",
                "fct_account_health_daily",
                "fct_company_health_daily",
                "fct_engagement_scores_daily",
                "fct_visitor_usage_daily",
                "fct_visitor_health_daily",
            ):
                sql = f"select max(metric_date) from marts.{history}"
                assert con.execute(sql).fetchone()[0] == day, (day, history)
            for column, dim in (("account_id", "dim_accounts"), ("visitor_id", "dim_visitors")):
                for table in _marts_with(con, column):
                    if table in ALL_DAYS_FACTS | {dim}:
                        continue
                    strays = con.execute(
                        f"select count(*) from marts.{table} where {column} is not null "
                        f"and {column} not in (select {column} from marts.{dim})"
                    ).fetchone()[0]
                    assert strays == 0, f"as_of_date {day}: {table} names {strays} {column}s"
        finally:
            con.close()
    # the earliest date must actually leave accounts out, or the test proves nothing
    earliest = min(as_of_builds)
    con = duckdb.connect(str(as_of_builds[earliest][1]), read_only=True)
    try:
        counts = con.execute(
            "select (select count(*) from marts.dim_accounts),"
            " (select count(*) from staging.stg_product__accounts)"
        ).fetchone()
    finally:
        con.close()
    assert counts[0] < counts[1], counts


def test_pes_history_does_not_depend_on_as_of_date(as_of_builds, built_db):
    columns = (
        "scope_id, engagement_scope, account_id, count_active_visitors_in_window, "
        "avg_daily_active_visitors, avg_weekly_active_visitors, adoption_score, "
        "stickiness_metric, stickiness_score, count_new_visitors, count_recovered_visitors, "
        "count_dropped_visitors, growth_ratio, growth_score, pes"
    )
    for day, (result, db_file) in as_of_builds.items():
        assert result.returncode == 0, f"as_of_date {day}:\n{result.stdout[-4000:]}"
        con = duckdb.connect()
        try:
            con.execute(f"attach '{built_db}' as full_history (read_only)")
            con.execute(f"attach '{db_file}' as as_of_build (read_only)")
            daily = "marts.fct_engagement_scores_daily"
            pairs = {
                # the build's history = the test database's history up to as_of_date
                "history": (
                    f"select metric_date, {columns} from as_of_build.{daily}",
                    f"select metric_date, {columns} from full_history.{daily} "
                    f"where metric_date <= date '{day}'",
                ),
                # its current PES = the test database's history row of that day
                "as-of slice": (
                    f"select as_of_date, {columns} from as_of_build.marts.fct_engagement_scores",
                    f"select metric_date, {columns} from full_history.{daily} "
                    f"where metric_date = date '{day}'",
                ),
            }
            for name, (build, history) in pairs.items():
                assert con.execute(f"select count(*) from ({build})").fetchone()[0] > 0, name
                for left, right in [(build, history), (history, build)]:
                    extra = con.execute(
                        f"select count(*) from ({left} except all {right})"
                    ).fetchone()[0]
                    assert extra == 0, f"as_of_date {day}: {name}: {extra} rows differ"
        finally:
            con.close()
