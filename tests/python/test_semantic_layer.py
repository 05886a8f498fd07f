"""The semantic layer: `mf validate-configs` passes and `mf query` answers what the marts say.

Each query result is compared with SQL written directly over the marts (the test database
`make test` builds). MetricFlow connects through the dbt profile to PULSE_DB_PATH; it runs
after dbt has finished writing, as one more reader.
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pulse import paths
from pulse.dbt import dbt_env

TOLERANCE = 1e-9
# NPS over a group of responses, with the default categories (promoter 9-10, detractor 0-6)
NPS_SQL = (
    "100.0 * (count(case when score >= 9 then 1 end) - count(case when score <= 6 then 1 end))"
    " / count(*)"
)


def _mf_executable() -> str:
    candidate = Path(sys.executable).with_name("mf")
    if not candidate.exists():
        pytest.skip("MetricFlow (mf) is not installed: run `make install`")
    return str(candidate)


def _mf(args: list[str], db_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_mf_executable(), *args],
        env=dbt_env({"PULSE_DB_PATH": str(db_file)}),
        cwd=paths.PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture()
def mf_query(built_db: Path, tmp_path: Path):
    """mf_query(metrics, group_by, *extra) -> rows (dicts of strings) of `mf query --csv`."""

    def run(metrics: list[str], group_by: list[str], *extra: str) -> list[dict[str, str]]:
        out = tmp_path / "result.csv"
        args = ["query", "--metrics", ",".join(metrics), "--csv", str(out), "--quiet"]
        if group_by:
            args += ["--group-by", ",".join(group_by)]
        proc = _mf([*args, *extra], built_db)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        with out.open(newline="") as f:
            return list(csv.DictReader(f))

    return run


@pytest.fixture()
def sql(built_db: Path):
    """sql(query) -> rows, on a read-only connection opened and closed for the query (mf
    opens the database through dbt-duckdb, which a connection held open would block)."""

    def run(query: str) -> list[tuple]:
        con = duckdb.connect(str(built_db), read_only=True)
        try:
            return con.execute(query).fetchall()
        finally:
            con.close()

    return run


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


def _day(text: str) -> str:
    """'2026-03-02 00:00:00' (MetricFlow's metric_time) -> '2026-03-02'."""
    return text[:10]


def _assert_same(got: dict, want: dict) -> None:
    """Same keys; values equal (numbers within TOLERANCE, None for SQL null)."""
    assert sorted(got, key=str) == sorted(want, key=str)
    for key, value in want.items():
        if value is None or got[key] is None:
            assert got[key] == value, key
        else:
            assert math.isclose(got[key], float(value), rel_tol=0, abs_tol=TOLERANCE), (
                key,
                got[key],
                value,
            )


def test_validate_configs(built_db: Path) -> None:
    """Semantic models, measures, dimensions and metrics parse, and query the warehouse."""
    proc = _mf(["validate-configs"], built_db)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "ERRORS: 0" in proc.stdout


def test_active_accounts_and_visitors_by_day(mf_query, sql) -> None:
    rows = mf_query(["active_accounts", "active_visitors"], ["metric_time__day"])
    got_accounts = {_day(r["metric_time__day"]): _number(r["active_accounts"]) for r in rows}
    got_visitors = {_day(r["metric_time__day"]): _number(r["active_visitors"]) for r in rows}
    want_accounts = dict(
        sql(
            """
            select cast(activity_date as varchar), count(*)
            from marts.fct_account_days
            where is_active
            group by activity_date
            """
        )
    )
    want_visitors = dict(
        sql(
            """
            select cast(activity_date as varchar), count(distinct visitor_id)
            from marts.fct_visitor_days
            where is_active
            group by activity_date
            """
        )
    )
    assert len(want_accounts) > 30
    # days with events but no activity (only guide events) are 0, not missing
    _assert_same({d: v for d, v in got_accounts.items() if v}, want_accounts)
    _assert_same({d: v for d, v in got_visitors.items() if v}, want_visitors)


def test_active_accounts_by_month_and_csm(mf_query, sql) -> None:
    """A month counts each account once, however many active days it had."""
    rows = mf_query(["active_accounts"], ["metric_time__month", "account__csm_owner"])
    got = {
        (_day(r["metric_time__month"]), r["account__csm_owner"]): _number(r["active_accounts"])
        for r in rows
    }
    want = {
        (month, csm or ""): count
        for month, csm, count in sql(
            """
            select
                cast(date_trunc('month', days.activity_date) as date)::varchar,
                accounts.csm_owner,
                count(distinct days.account_id)
            from marts.fct_account_days as days
            inner join marts.dim_accounts as accounts
                on days.account_id = accounts.account_id
            where days.is_active
            group by 1, 2
            """
        )
    }
    assert len({csm for _, csm in want}) > 1
    _assert_same({k: v for k, v in got.items() if v}, want)


def test_account_day_snapshots_by_month_and_plan_tier(mf_query, sql) -> None:
    """Health score, breadth, depth and frequency of a month are those of its last day."""
    metrics = ["avg_health_score", "breadth", "depth", "frequency"]
    rows = mf_query(metrics, ["metric_time__month", "account__plan_tier"])
    got = {
        (_day(r["metric_time__month"]), r["account__plan_tier"], metric): _number(r[metric])
        for r in rows
        for metric in metrics
    }
    query = """
        with last_days as (
            select max(metric_date) as metric_date
            from {table}
            group by date_trunc('month', metric_date)
        )
        select
            cast(date_trunc('month', facts.metric_date) as date)::varchar,
            accounts.plan_tier,
            {selects}
        from {table} as facts
        inner join last_days
            on facts.metric_date = last_days.metric_date
        inner join marts.dim_accounts as accounts
            on facts.account_id = accounts.account_id
        group by 1, 2
    """
    want: dict = {}
    for table, columns in [
        ("marts.fct_account_health_daily", {"avg_health_score": "health_score"}),
        (
            "marts.fct_account_usage_daily",
            {"breadth": "breadth_pct", "depth": "depth_pct", "frequency": "frequency"},
        ),
    ]:
        selects = ", ".join(f"avg(facts.{column})" for column in columns.values())
        for month, tier, *values in sql(query.format(table=table, selects=selects)):
            for metric, value in zip(columns, values, strict=True):
                want[(month, tier or "", metric)] = value
    assert len({month for month, _, _ in want}) >= 3
    _assert_same(got, want)


def test_health_bands_and_arr_at_risk_match_current_health(mf_query, sql) -> None:
    """Without metric_time the snapshot metrics read the as-of date: fct_account_health."""
    rows = mf_query(
        ["accounts_by_health_band", "arr_at_risk", "at_risk_accounts"],
        ["account_health_day__health_band"],
    )
    got_counts = {
        r["account_health_day__health_band"]: _number(r["accounts_by_health_band"]) for r in rows
    }
    want_counts = {
        band or "": count
        for band, count in sql(
            "select health_band, count(*) from marts.fct_account_health group by health_band"
        )
    }
    assert "at_risk" in want_counts
    _assert_same(got_counts, want_counts)

    by_band = {r["account_health_day__health_band"]: r for r in rows}
    want_arr = sql(
        "select sum(arr_usd) from marts.fct_account_health where health_band = 'at_risk'"
    )[0][0]
    assert want_arr > 0
    _assert_same({"arr": _number(by_band["at_risk"]["arr_at_risk"])}, {"arr": want_arr})
    assert _number(by_band["at_risk"]["at_risk_accounts"]) == want_counts["at_risk"]
    for band, row in by_band.items():
        if band != "at_risk":
            assert _number(row["arr_at_risk"]) == 0, band


def test_nps_by_week(mf_query, sql) -> None:
    """NPS of the responses given in each week: % promoters - % detractors."""
    rows = mf_query(["nps", "nps_responses"], ["metric_time__week"])
    got = {}
    for r in rows:
        week = _day(r["metric_time__week"])
        got[(week, "nps")] = _number(r["nps"])
        got[(week, "responses")] = _number(r["nps_responses"])
    want = {}
    for week, responses, nps in sql(
        f"""
        select
            cast(date_trunc('week', cast(responded_at as date)) as date)::varchar,
            count(*),
            {NPS_SQL}
        from intermediate.int_nps_responses
        group by 1
        """
    ):
        want[(week, "nps")] = nps
        want[(week, "responses")] = responses
    assert len(want) >= 2 * 6
    _assert_same(got, want)


def test_nps_by_month_and_customer_tier(mf_query, sql) -> None:
    rows = mf_query(["nps"], ["metric_time__month", "account__customer_tier"])
    got = {
        (_day(r["metric_time__month"]), r["account__customer_tier"]): _number(r["nps"])
        for r in rows
    }
    want = {
        (month, tier or ""): nps
        for month, tier, nps in sql(
            f"""
            select
                cast(date_trunc('month', cast(responses.responded_at as date)) as date)::varchar,
                segments.customer_tier,
                {NPS_SQL}
            from intermediate.int_nps_responses as responses
            inner join marts.fct_account_segments as segments
                on responses.account_id = segments.account_id
            group by 1, 2
            """
        )
    }
    assert len({tier for _, tier in want}) > 1
    _assert_same(got, want)


def test_pes(mf_query, sql) -> None:
    """Without metric_time PES reads the as-of date: the mean over the accounts of
    fct_engagement_scores, and the product's."""
    rows = mf_query(["pes", "product_pes"], [])
    want_pes, want_product = sql(
        """
        select
            avg(case when engagement_scope = 'account' then pes end),
            max(case when engagement_scope = 'product' then pes end)
        from marts.fct_engagement_scores
        """
    )[0]
    assert want_pes is not None and want_product is not None
    _assert_same(
        {"pes": _number(rows[0]["pes"]), "product_pes": _number(rows[0]["product_pes"])},
        {"pes": want_pes, "product_pes": want_product},
    )


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_pes_per_day_week_and_month(mf_query, sql, grain) -> None:
    """PES history: a day, week or month reads its last day of fct_engagement_scores_daily, the
    mean PES over the account rows and the product row's PES."""
    column = f"metric_time__{grain}"
    rows = mf_query(["pes", "product_pes"], [column])
    got = {}
    for r in rows:
        period = _day(r[column])
        got[(period, "pes")] = _number(r["pes"])
        got[(period, "product_pes")] = _number(r["product_pes"])
    want = {}
    for period, pes, product_pes in sql(
        f"""
        with last_days as (
            select max(metric_date) as metric_date
            from marts.fct_engagement_scores_daily
            group by date_trunc('{grain}', metric_date)
        )
        select
            cast(date_trunc('{grain}', daily.metric_date) as date)::varchar,
            avg(case when daily.engagement_scope = 'account' then daily.pes end),
            max(case when daily.engagement_scope = 'product' then daily.pes end)
        from marts.fct_engagement_scores_daily as daily
        inner join last_days
            on daily.metric_date = last_days.metric_date
        group by 1
        """
    ):
        want[(period, "pes")] = pes
        want[(period, "product_pes")] = product_pes
    periods = {period for period, _ in want}
    assert len(periods) >= {"day": 60, "week": 10, "month": 3}[grain], periods
    # the history changes over time (not one value repeated on every day)
    assert len({want[(p, "product_pes")] for p in periods}) > 1
    _assert_same(got, want)
