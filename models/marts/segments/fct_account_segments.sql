{#-
    Account segments as of as_of_date (SPEC §4 "Segments"): lifecycle booleans on the account's
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
        usage.count_active_days_last_30_days,
        usage.active_minutes_last_30_days,
        usage.count_active_visitors_last_30_days,
        usage.first_active_date,
        usage.last_active_date,
        usage.first_active_date is null as is_never_active,
        usage.count_active_days_last_30_days <= {{ var('churn_risk_max_active_days') }}
        and usage.active_minutes_last_30_days <= {{ var('churn_risk_max_active_minutes') }} as is_churn_risk,
        usage.count_active_days_last_30_days >= {{ var('healthy_min_active_days') }} as is_healthy,
        usage.count_active_days_last_30_days = 0 and usage.first_active_date is not null as is_inactive,
        coalesce(usage.first_active_date >= report_window.window_start_date, false) as is_new,
        coalesce(
            {{ pulse_days_between('usage.first_active_date', 'report_window.as_of_date') }}
            between {{ var('onboarding_min_days') }} and {{ var('onboarding_max_days') }},
            false
        ) as is_onboarding_cohort,
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
        case
            when is_never_active then 'never_active'
            when is_inactive then 'inactive'
            when is_new then 'new'
            when is_churn_risk then 'churn_risk'
            when is_healthy then 'healthy'
            when is_onboarding_cohort then 'onboarding'
            else 'active'
        end as primary_segment,
        case
            when is_enterprise then 'enterprise'
            when is_smb then 'smb'
            else 'mid_market'
        end as customer_tier
    from flags

)

select * from final
