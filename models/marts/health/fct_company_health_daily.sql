{#-
    Company health history (company = parent account, or the account itself): one row per
    company and day of the account health history, the ARR-weighted mean of the health scores
    of its accounts not churned by that day (the plain mean when none has an ARR), the band,
    and the accounts per band. ARR is the account's current arr_usd (accounts is a snapshot:
    there is no ARR history). fct_company_health is this model's as_of_date.

    Incremental like fct_account_health_daily: recomputes the days from the earliest day the
    account history rewrote since the last run, and at least the last health_lookback_days.
-#}
{{ pulse_history_config() }}

with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

account_history as (

    select * from {{ ref('fct_account_health_daily') }}

),

{{ pulse_changed_days_ctes('account_history', '_pulse_source_batch_at', 'metric_date') }}

{{ pulse_incremental_bounds_cte(recompute_days=var('health_lookback_days')) }}

account_days as (

    select
        accounts.company_id,
        account_history.metric_date,
        accounts.arr_usd,
        account_history.health_score,
        account_history.health_band
    from account_history
    inner join accounts
        on account_history.account_id = accounts.account_id
    cross join bounds
    where
        account_history.metric_date >= bounds.start_date
        -- churned by that day (dim_accounts.churned_at is the churn up to as_of_date)
        and not coalesce(
            cast({{ pulse_local_timestamp('accounts.churned_at') }} as date) <= account_history.metric_date,
            false
        )

),

companies as (

    select
        company_id,
        metric_date,
        count(*) as count_accounts,
        sum(coalesce(arr_usd, 0)) as arr_usd,
        sum(case when health_score is not null and arr_usd > 0 then arr_usd * health_score end)
            as arr_weighted_score_sum,
        sum(case when health_score is not null and arr_usd > 0 then arr_usd end) as arr_of_scored_accounts,
        avg(health_score) as mean_health_score,
        cast(sum(case when health_band = 'healthy' then 1 else 0 end) as {{ pulse_type('bigint') }})
            as count_healthy_accounts,
        cast(sum(case when health_band = 'neutral' then 1 else 0 end) as {{ pulse_type('bigint') }})
            as count_neutral_accounts,
        cast(sum(case when health_band = 'at_risk' then 1 else 0 end) as {{ pulse_type('bigint') }})
            as count_at_risk_accounts
    from account_days
    group by company_id, metric_date

),

scored as (

    select
        *,
        coalesce(
            cast(arr_weighted_score_sum as {{ pulse_type('double') }}) / nullif(arr_of_scored_accounts, 0),
            mean_health_score
        ) as company_health_score
    from companies

),

final as (

    select
        scored.company_id,
        scored.metric_date,
        scored.count_accounts,
        scored.arr_usd,
        {{ pulse_round('scored.company_health_score', 2) }} as health_score,
        {{ pulse_health_band(pulse_round('scored.company_health_score', 2)) }} as health_band,
        scored.count_healthy_accounts,
        scored.count_neutral_accounts,
        scored.count_at_risk_accounts,
        source_batch.source_batch_at as _pulse_source_batch_at
    from scored
    cross join source_batch

)

select * from final
