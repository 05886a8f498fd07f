{#-
    Visitor segments as of as_of_date (README "Definitions": Segments): one boolean per segment, following
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
        usage.count_active_days_in_window,
        usage.active_minutes_in_window,
        usage.first_active_date,
        usage.last_active_date,
        {{ pulse_lifecycle_segment_flags('usage', 'report_window') }}
    from usage
    cross join report_window

),

final as (

    select
        *,
        {{ pulse_primary_segment() }} as primary_segment
    from flags

)

select * from final
