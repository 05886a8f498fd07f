{#-
    Company health (company = parent account) as of as_of_date: the ARR-weighted mean of its
    accounts' health scores (the plain mean when no account has an ARR), the band, and the
    number of accounts in each band. Churned accounts are left out. Grain: company_id.
-#}
with

account_health as (

    select * from {{ ref('fct_account_health') }}
    where not is_churned

),

companies as (

    select
        company_id,
        max(as_of_date) as as_of_date,
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
    from account_health
    group by company_id

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
        company_id,
        as_of_date,
        count_accounts,
        arr_usd,
        {{ pulse_round('company_health_score', 2) }} as health_score,
        {{ pulse_health_band(pulse_round('company_health_score', 2)) }} as health_band,
        count_healthy_accounts,
        count_neutral_accounts,
        count_at_risk_accounts
    from scored

)

select * from final
