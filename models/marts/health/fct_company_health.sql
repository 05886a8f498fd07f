{#-
    Company health (company = parent account) as of as_of_date: the as_of_date row of
    fct_company_health_daily (the ARR-weighted mean of its not-churned accounts' health
    scores, the plain mean when no account has an ARR, the band, and the accounts per band).
    Grain: company_id.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

company_history as (

    select * from {{ ref('fct_company_health_daily') }}

),

final as (

    select
        company_history.company_id,
        company_history.metric_date as as_of_date,
        company_history.count_accounts,
        company_history.arr_usd,
        company_history.health_score,
        company_history.health_band,
        company_history.count_healthy_accounts,
        company_history.count_neutral_accounts,
        company_history.count_at_risk_accounts
    from company_history
    inner join report_window
        on company_history.metric_date = report_window.as_of_date

)

select * from final
