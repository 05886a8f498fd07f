{#-
    Detractor follow-up: visitors whose latest NPS response (fct_nps) is a detractor answer
    given in the detractor_follow_up_days (30) days ending on as_of_date (local days), in
    accounts that have not churned, with their comment and role, the account's health and its
    usage change against the previous window. Grain: visitor_id.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

nps as (

    select * from {{ ref('fct_nps') }}

),

health as (

    select * from {{ ref('fct_account_health') }}

),

usage_change as (

    select * from {{ ref('fct_account_usage_change') }}

),

final as (

    select
        nps.visitor_id,
        nps.account_id,
        accounts.account_name,
        accounts.csm_owner,
        nps.role,
        nps.score,
        nps.comment,
        nps.responded_at,
        report_window.as_of_date,
        health.health_score,
        health.health_band,
        usage_change.visitor_days_change_pct
    from nps
    cross join report_window
    inner join accounts
        on nps.account_id = accounts.account_id
    left join health
        on nps.account_id = health.account_id
    left join usage_change
        on nps.account_id = usage_change.account_id
    where
        nps.nps_category = 'detractor'
        and not accounts.is_churned
        and cast({{ pulse_local_timestamp('nps.responded_at') }} as date)
        > {{ pulse_add_days('report_window.as_of_date', -var('detractor_follow_up_days')) }}

)

select * from final
