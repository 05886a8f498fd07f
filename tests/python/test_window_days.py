"""The window follows var window_days, and the `_in_window` columns with it.

The small data set is built from scratch on a new database with `--vars '{window_days: 14}'`
(no unit tests: they pin the formulas at the default). Every data test must pass, the report
window must say 14 days, and a few window metrics must equal a count by hand over the all-days
facts of the same build (fct_visitor_days, int_visitor_feature_days_aggregated): active days of
three visitors, distinct active visitors of two accounts (usage, segments, PES and the two
histories), clicks of an account on a feature, in the 14 days ending on as_of_date. The
visitors, accounts and feature are picked so that a 14-day and a 30-day window give different
answers: a mart that ignored window_days would fail here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import duckdb
import pytest

WINDOW_DAYS = 14
DEFAULT_WINDOW_DAYS = 30


@pytest.fixture(scope="module")
def window_build(dbt, raw_dir, built_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("window_days")
    db_file = folder / built_db.name  # same name: same DuckDB catalog
    args = [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        f"{{window_days: {WINDOW_DAYS}}}",
        "--target-path",
        str(folder / "target"),
        "--log-path",
        str(folder / "logs"),
    ]
    return dbt(args, db_file, raw_dir), db_file


@pytest.fixture(scope="module")
def con(window_build):
    result, db_file = window_build
    assert result.returncode == 0, result.stdout[-4000:]
    connection = duckdb.connect(str(db_file), read_only=True)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(scope="module")
def as_of(con) -> dt.date:
    return con.execute("select as_of_date from marts.dim_report_window").fetchone()[0]


def _days(as_of: dt.date, length: int) -> tuple[dt.date, dt.date]:
    return as_of - dt.timedelta(days=length - 1), as_of


def _active_visitor_days(con, table: str) -> list[tuple[str, str, dt.date]]:
    """(visitor_id, account_id, activity_date) of every active day of the all-days facts."""
    sql = f"select visitor_id, account_id, activity_date from {table} where is_active"
    return con.execute(sql).fetchall()


def _pick(counts: dict[str, tuple[int, int]], n: int) -> list[str]:
    """n keys whose 14-day count differs from their 30-day count (busiest first), topped up
    with the busiest others; at least one must differ or the check proves nothing."""
    differing = sorted(
        (k for k, (short, long) in counts.items() if short != long),
        key=lambda k: (-counts[k][1], k),
    )
    assert differing, "no subject whose 14-day and 30-day counts differ: pick another data set"
    rest = sorted((k for k in counts if k not in differing), key=lambda k: (-counts[k][0], k))
    return (differing + rest)[:n]


def test_every_data_test_passes(window_build):
    result, _ = window_build
    assert result.returncode == 0, result.stdout[-4000:]
    assert "ERROR=0" in result.stdout, result.stdout[-2000:]


def test_report_window_is_window_days_long(con, as_of):
    window_days, start, previous_start, previous_end = con.execute(
        "select window_days, window_start_date, previous_window_start_date, "
        "previous_window_end_date from marts.dim_report_window"
    ).fetchone()
    assert window_days == WINDOW_DAYS
    assert start == as_of - dt.timedelta(days=WINDOW_DAYS - 1)
    assert previous_end == as_of - dt.timedelta(days=WINDOW_DAYS)
    assert previous_start == as_of - dt.timedelta(days=2 * WINDOW_DAYS - 1)


def test_visitor_active_days_in_window(con, as_of):
    visitor_days = _active_visitor_days(con, "marts.fct_visitor_days")
    known = {v for (v,) in con.execute("select visitor_id from marts.dim_visitors").fetchall()}

    def active_days(length: int) -> dict[str, int]:
        first, last = _days(as_of, length)
        days: dict[str, set[dt.date]] = defaultdict(set)
        for visitor, _, day in visitor_days:
            if visitor in known and first <= day <= last:
                days[visitor].add(day)
        return {v: len(d) for v, d in days.items()}

    short, long = active_days(WINDOW_DAYS), active_days(DEFAULT_WINDOW_DAYS)
    counts = {v: (short.get(v, 0), long.get(v, 0)) for v in known if v in long}
    picked = _pick(counts, 3)
    rows = dict(
        con.execute(
            "select visitor_id, count_active_days_in_window from marts.fct_visitor_usage "
            "where visitor_id in (select unnest(?))",
            [picked],
        ).fetchall()
    )
    assert rows == {v: counts[v][0] for v in picked}
    # the segments read the same column
    segments = dict(
        con.execute(
            "select visitor_id, count_active_days_in_window from marts.fct_visitor_segments "
            "where visitor_id in (select unnest(?))",
            [picked],
        ).fetchall()
    )
    assert segments == rows


def test_account_active_visitors_in_window(con, as_of):
    visitor_days = _active_visitor_days(con, "marts.fct_visitor_days")
    accounts = {a for (a,) in con.execute("select account_id from marts.dim_accounts").fetchall()}

    def active_visitors(length: int) -> dict[str, int]:
        first, last = _days(as_of, length)
        visitors: dict[str, set[str]] = defaultdict(set)
        for visitor, account, day in visitor_days:
            if account in accounts and first <= day <= last:
                visitors[account].add(visitor)
        return {a: len(v) for a, v in visitors.items()}

    short, long = active_visitors(WINDOW_DAYS), active_visitors(DEFAULT_WINDOW_DAYS)
    counts = {a: (short.get(a, 0), long.get(a, 0)) for a in accounts if a in long}
    picked = _pick(counts, 2)
    for table in (
        "marts.fct_account_usage",
        "marts.fct_account_segments",
        "marts.fct_engagement_scores",  # PES: MAU of the account
    ):
        rows = dict(
            con.execute(
                f"select account_id, count_active_visitors_in_window from {table} "
                "where account_id in (select unnest(?))",
                [picked],
            ).fetchall()
        )
        assert rows == {a: counts[a][0] for a in picked}, table
    # the history rows of as_of_date are the same window
    for table in ("marts.fct_account_usage_daily", "marts.fct_engagement_scores_daily"):
        daily = dict(
            con.execute(
                f"select account_id, count_active_visitors_in_window from {table} "
                "where metric_date = ? and account_id in (select unnest(?))",
                [as_of, picked],
            ).fetchall()
        )
        assert daily == {a: counts[a][0] for a in picked}, table


def test_account_feature_clicks_in_window(con, as_of):
    feature_days = con.execute(
        "select account_id, feature_id, activity_date, count_clicks "
        "from intermediate.int_visitor_feature_days_aggregated"
    ).fetchall()
    accounts = {a for (a,) in con.execute("select account_id from marts.dim_accounts").fetchall()}
    features = {f for (f,) in con.execute("select feature_id from marts.dim_features").fetchall()}

    def clicks(length: int) -> dict[tuple[str, str], int]:
        first, last = _days(as_of, length)
        total: dict[tuple[str, str], int] = defaultdict(int)
        for account, feature, day, count in feature_days:
            if account in accounts and feature in features and first <= day <= last:
                total[(account, feature)] += count
        return total

    short, long = clicks(WINDOW_DAYS), clicks(DEFAULT_WINDOW_DAYS)
    counts = {f"{a}|{f}": (short.get((a, f), 0), n) for (a, f), n in long.items()}
    (key,) = _pick(counts, 1)
    account, feature = key.split("|")
    row = con.execute(
        "select count_clicks_in_window, is_used_in_window from marts.fct_account_feature_usage "
        "where account_id = ? and feature_id = ?",
        [account, feature],
    ).fetchone()
    assert row == (counts[key][0], counts[key][0] > 0)


def test_no_mart_column_is_named_for_a_default_window(con):
    """Window metrics end in _in_window; a literal 30 is left only to fixed lengths."""
    columns = con.execute(
        "select table_name || '.' || column_name from information_schema.columns "
        "where table_schema = 'marts' and column_name like '%30%'"
    ).fetchall()
    allowed = {"health_score_change_30_days"}  # a fixed 30-day change, not the window
    assert [c for (c,) in columns if c.split(".")[1] not in allowed] == []
