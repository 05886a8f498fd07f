-- Do health scores see churn coming? Mean and median health score in the 90 days before the
-- renewal decision, by outcome: churned accounts (dim_accounts.churned_at) against the
-- renewed, expanded and contracted renewals of stg_crm__renewals. Churned accounts should
-- score visibly lower. tests/python/test_health_layer.py checks it on the test data.
-- Run: dbt compile --select churned_vs_renewed_health, then run the compiled SQL
-- (target/compiled/customer_pulse/analyses/churned_vs_renewed_health.sql).
with

accounts as (

    select * from {{ ref('dim_accounts') }}

),

renewals as (

    select * from {{ ref('stg_crm__renewals') }}

),

health_daily as (

    select * from {{ ref('fct_account_health_daily') }}

),

decisions as (

    select
        'churned' as outcome,
        account_id,
        cast(churned_at as date) as decision_date
    from accounts
    where churned_at is not null

    union all

    select
        outcome,
        account_id,
        renewal_date as decision_date
    from renewals
    where outcome in ('renewed', 'expanded', 'contracted')

),

before_decision as (

    select
        decisions.outcome,
        decisions.account_id,
        health_daily.health_score
    from decisions
    inner join health_daily
        on
            decisions.account_id = health_daily.account_id
            and decisions.decision_date > health_daily.metric_date
            and {{ pulse_add_days('decisions.decision_date', -90) }} <= health_daily.metric_date

),

final as (

    select
        outcome,
        count(distinct account_id) as count_accounts,
        {{ pulse_round('avg(health_score)', 2) }} as mean_health_score_90_days_before,
        {{ pulse_round(pulse_percentile('health_score', 0.5), 2) }} as median_health_score_90_days_before
    from before_decision
    group by outcome

)

select * from final
order by mean_health_score_90_days_before
