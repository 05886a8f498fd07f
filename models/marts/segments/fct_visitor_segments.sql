{#-
    Visitor segments as of as_of_date (SPEC §4 "Segments"): one boolean per segment, following
    the definitions literally, and a readable primary segment (the first that applies of
    never_active, inactive, new, churn_risk, healthy, onboarding, active).
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

usage as (

    select * from {{ ref('fct_visitor_usage') }}

),

flags as (

    select
        usage.visitor_id,
        usage.account_id,
        usage.role,
        usage.as_of_date,
        usage.count_active_days_last_30_days,
        usage.active_minutes_last_30_days,
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
        ) as is_onboarding_cohort
    from usage
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
        end as primary_segment
    from flags

)

select * from final
