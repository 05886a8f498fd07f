{#-
    One row per visitor: usage in the window_days days ending on as_of_date, over every account
    the visitor has events in (account_id is the visitor's own account). breadth_pct = share of
    all features clicked, depth_pct = share of the depth features (core, or all when none is
    core) clicked.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

visitors as (

    select * from {{ ref('dim_visitors') }}

),

features as (

    select * from {{ ref('dim_features') }}

),

feature_counts as (

    select
        count(*) as count_features,
        sum(case when is_depth_feature then 1 else 0 end) as count_depth_features
    from features

),

visitor_days as (

    select visitor_days.*
    from {{ ref('fct_visitor_days') }} as visitor_days
    cross join report_window
    where visitor_days.is_active and visitor_days.activity_date <= report_window.as_of_date

),

window_days as (

    select visitor_days.*
    from visitor_days
    cross join report_window
    where visitor_days.activity_date >= report_window.window_start_date

),

window_usage as (

    select
        visitor_id,
        count(distinct activity_date) as count_active_days,
        cast(sum(active_minutes) as {{ pulse_type('bigint') }}) as active_minutes,
        cast(sum(count_activity_events) as {{ pulse_type('bigint') }}) as count_activity_events,
        cast(sum(count_feature_clicks) as {{ pulse_type('bigint') }}) as count_feature_clicks
    from window_days
    group by visitor_id

),

window_features as (

    select
        feature_days.visitor_id,
        count(distinct feature_days.feature_id) as count_features_used,
        count(distinct case when features.is_depth_feature then feature_days.feature_id end)
            as count_depth_features_used
    from {{ ref('int_visitor_feature_days_aggregated') }} as feature_days
    inner join features
        on feature_days.feature_id = features.feature_id
    cross join report_window
    where feature_days.activity_date between report_window.window_start_date and report_window.as_of_date
    group by feature_days.visitor_id

),

lifetime as (

    select
        visitor_id,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date
    from visitor_days
    group by visitor_id

),

final as (

    select
        visitors.visitor_id,
        visitors.account_id,
        visitors.role,
        report_window.as_of_date,
        coalesce(window_usage.count_active_days, 0) as count_active_days_in_window,
        coalesce(window_usage.active_minutes, 0) as active_minutes_in_window,
        coalesce(window_usage.count_activity_events, 0) as count_activity_events_in_window,
        coalesce(window_usage.count_feature_clicks, 0) as count_feature_clicks_in_window,
        coalesce(window_features.count_features_used, 0) as count_features_used_in_window,
        coalesce(window_features.count_depth_features_used, 0) as count_depth_features_used_in_window,
        {{ pulse_ratio('coalesce(window_features.count_features_used, 0)', 'feature_counts.count_features') }}
            as breadth_pct,
        {{ pulse_ratio(
            'coalesce(window_features.count_depth_features_used, 0)', 'feature_counts.count_depth_features'
        ) }} as depth_pct,
        coalesce(window_usage.count_active_days, 0) as frequency,
        {{ pulse_frequency_band('coalesce(window_usage.count_active_days, 0)') }} as frequency_band,
        coalesce(window_usage.count_active_days, 0) > 0 as is_active_in_window,
        lifetime.first_active_date,
        lifetime.last_active_date,
        {{ pulse_days_between('lifetime.last_active_date', 'report_window.as_of_date') }} as days_since_last_active
    from visitors
    cross join report_window
    cross join feature_counts
    left join window_usage
        on visitors.visitor_id = window_usage.visitor_id
    left join window_features
        on visitors.visitor_id = window_features.visitor_id
    left join lifetime
        on visitors.visitor_id = lifetime.visitor_id

)

select * from final
