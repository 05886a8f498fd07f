{#-
    fct_account_health_daily with each account's ARR (dim_accounts.arr_usd, today's value on
    every day): MetricFlow sums only columns of the model a measure sits on, so ARR at risk
    needs the ARR on the account-day row.
-#}
with

health_days as (

    select * from {{ ref('fct_account_health_daily') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

final as (

    select
        health_days.account_id,
        health_days.metric_date,
        health_days.health_score,
        health_days.health_band,
        health_days.dragging_component,
        accounts.arr_usd
    from health_days
    inner join accounts
        on health_days.account_id = accounts.account_id

)

select * from final
