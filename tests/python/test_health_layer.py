"""The sample data gives every segment, quadrant, stage and band a non-trivial count, and
health scores see churn coming (the marts of the database `make test` built)."""

from __future__ import annotations

import pytest

MIN_COUNT = 2  # "non-trivial": more than a single row


def _counts(db, sql: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in db.execute(sql).fetchall()}


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "select primary_segment, count(*) from marts.fct_visitor_segments group by 1",
            {"never_active", "inactive", "new", "churn_risk", "healthy", "onboarding", "active"},
        ),
        (
            "select customer_tier, count(*) from marts.fct_account_segments group by 1",
            {"enterprise", "smb", "mid_market"},
        ),
        (
            "select feature_segment, count(*) from marts.fct_account_feature_segments group by 1",
            {"never_used", "occasionally_used", "actively_used"},
        ),
        (
            "select nps_usage_quadrant, count(*) from marts.fct_nps "
            "where nps_usage_quadrant is not null group by 1",
            {
                "high_usage_promoter",
                "low_usage_promoter",
                "high_usage_detractor",
                "low_usage_detractor",
                "passive",
            },
        ),
        (
            "select nps_category, count(*) from marts.fct_nps "
            "where nps_category is not null group by 1",
            {"promoter", "passive", "detractor"},
        ),
        (
            "select journey_stage, count(*) from marts.fct_account_milestones group by 1",
            {"not_set_up", "set_up", "activated", "utilizing", "mature"},
        ),
        (
            "select health_band, count(*) from marts.fct_account_health "
            "where health_band is not null group by 1",
            {"healthy", "neutral", "at_risk"},
        ),
        (
            "select health_band, count(*) from marts.fct_visitor_health "
            "where health_band is not null group by 1",
            {"healthy", "neutral", "at_risk"},
        ),
        (
            "select maturity_level, count(*) from marts.fct_account_category_maturity group by 1",
            {"none", "basic", "mature"},
        ),
    ],
)
def test_every_value_has_a_non_trivial_count(db, sql, expected):
    counts = _counts(db, sql)
    assert set(counts) == expected, f"values present: {counts}"
    thin = {k: v for k, v in counts.items() if v < MIN_COUNT}
    assert not thin, f"values with fewer than {MIN_COUNT} rows: {thin} (all: {counts})"


@pytest.mark.parametrize(
    "flag",
    ["is_churn_risk", "is_healthy", "is_inactive", "is_new", "is_onboarding_cohort"],
)
def test_every_account_segment_flag_occurs(db, flag):
    count = db.execute(f"select count(*) from marts.fct_account_segments where {flag}").fetchone()
    assert count[0] >= 1, f"no account with {flag}"


def test_every_outreach_list_has_rows(db):
    for table in [
        "rpt_inactive_visitors",
        "rpt_review_requests",
        "rpt_at_risk_accounts",
        "rpt_feature_adoption_gaps",
        "rpt_champion_risk",
    ]:
        assert db.execute(f"select count(*) from marts.{table}").fetchone()[0] > 0, table


def test_churned_accounts_score_lower_before_churn(db):
    """The check behind analyses/churned_vs_renewed_health.sql: in the 90 days before they
    churn, churned accounts score well below renewed and expanded accounts in the 90 days
    before their renewal."""
    rows = db.execute(
        """
        with churned as (
            select account_id, cast(churned_at as date) as decision_date
            from marts.dim_accounts
            where churned_at is not null
        ),
        kept as (
            select account_id, renewal_date as decision_date
            from intermediate.int_renewals
            where outcome in ('renewed', 'expanded')
        ),
        sides as (
            select 'churned' as side, * from churned
            union all
            select 'kept' as side, * from kept
        )
        select
            sides.side,
            count(distinct sides.account_id) as accounts,
            avg(health.health_score) as mean_score
        from sides
        inner join marts.fct_account_health_daily as health
            on sides.account_id = health.account_id
            and health.metric_date < sides.decision_date
            and health.metric_date >= sides.decision_date - 90
        group by 1
        """
    ).fetchall()
    result = {side: (accounts, score) for side, accounts, score in rows}
    assert set(result) == {"churned", "kept"}, result
    assert result["churned"][1] + 10 <= result["kept"][1], result
