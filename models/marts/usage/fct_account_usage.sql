{#- One row per account: usage breadth, depth and frequency as of as_of_date. -#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

usage_daily as (

    select usage_daily.*
    from {{ ref('fct_account_usage_daily') }} as usage_daily
    inner join report_window
        on usage_daily.metric_date = report_window.as_of_date

),

activity as (

    select
        account_days.account_id,
        min(account_days.activity_date) as first_active_date,
        max(account_days.activity_date) as last_active_date
    from {{ ref('fct_account_days') }} as account_days
    cross join report_window
    where account_days.is_active and account_days.activity_date <= report_window.as_of_date
    group by account_days.account_id

),

final as (

    select
        accounts.account_id,
        accounts.company_id,
        report_window.as_of_date,
        coalesce(usage_daily.count_active_days_in_window, 0) as count_active_days_in_window,
        coalesce(usage_daily.count_active_visitors_in_window, 0) as count_active_visitors_in_window,
        coalesce(usage_daily.count_visitor_days_in_window, 0) as count_visitor_days_in_window,
        coalesce(usage_daily.active_minutes_in_window, 0) as active_minutes_in_window,
        coalesce(usage_daily.count_activity_events_in_window, 0) as count_activity_events_in_window,
        coalesce(usage_daily.count_feature_clicks_in_window, 0) as count_feature_clicks_in_window,
        coalesce(usage_daily.count_depth_features_used_in_window, 0) as count_depth_features_used_in_window,
        usage_daily.breadth_pct,
        usage_daily.depth_pct,
        coalesce(usage_daily.frequency, 0) as frequency,
        {{ pulse_frequency_band('coalesce(usage_daily.count_active_days_in_window, 0)') }} as frequency_band,
        activity.first_active_date,
        activity.last_active_date,
        {{ pulse_days_between('activity.last_active_date', 'report_window.as_of_date') }} as days_since_last_active
    from accounts
    cross join report_window
    left join usage_daily
        on accounts.account_id = usage_daily.account_id
    left join activity
        on accounts.account_id = activity.account_id

)

select * from final
