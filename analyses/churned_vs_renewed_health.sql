-- Do health scores see churn coming? Mean health score of accounts in the 90 days before
-- their renewal, by renewal outcome (stg_crm__renewals). Churned accounts should score
-- visibly lower than renewed and expanded ones.
-- Run: dbt compile --select churned_vs_renewed_health, then run the compiled SQL
-- (target/compiled/customer_pulse/analyses/churned_vs_renewed_health.sql).
with

renewals as (

    select * from {{ ref('stg_crm__renewals') }}

),

health_daily as (

    select * from {{ ref('fct_account_health_daily') }}

),

before_renewal as (

    select
        renewals.outcome,
        renewals.account_id,
        health_daily.health_score
    from renewals
    inner join health_daily
        on
            renewals.account_id = health_daily.account_id
            and renewals.renewal_date > health_daily.metric_date
            and {{ pulse_add_days('renewals.renewal_date', -90) }} <= health_daily.metric_date

),

final as (

    select
        outcome,
        count(distinct account_id) as count_accounts,
        {{ pulse_round('avg(health_score)', 2) }} as mean_health_score_90_days_before,
        {{ pulse_round(pulse_percentile('health_score', 0.5), 2) }} as median_health_score_90_days_before
    from before_renewal
    group by outcome

)

select * from final
order by mean_health_score_90_days_before
