{#-
    Account segments as of as_of_date (README "Definitions": Segments): lifecycle booleans on the account's
    usage (any of its visitors), enterprise and SMB, a readable primary segment (the first that
    applies of never_active, inactive, new, churn_risk, healthy, onboarding, active) and a
    customer tier (enterprise, smb, mid_market).
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

usage as (

    select * from {{ ref('fct_account_usage') }}

),

flags as (

    select
        accounts.account_id,
        accounts.company_id,
        accounts.plan_tier,
        accounts.arr_usd,
        usage.as_of_date,
        usage.count_active_days_in_window,
        usage.active_minutes_in_window,
        usage.count_active_visitors_in_window,
        usage.first_active_date,
        usage.last_active_date,
        {{ pulse_lifecycle_segment_flags('usage', 'report_window') }},
        accounts.is_enterprise,
        accounts.is_smb,
        accounts.is_churned
    from accounts
    inner join usage
        on accounts.account_id = usage.account_id
    cross join report_window

),

final as (

    select
        *,
        {{ pulse_primary_segment() }} as primary_segment,
        case
            when is_enterprise then 'enterprise'
            when is_smb then 'smb'
            else 'mid_market'
        end as customer_tier
    from flags

)

select * from final
