{#-
    One row per account and local day (from the account's creation, or the first day with
    data, to as_of_date) with the rolling window metrics of the window_days days ending on
    that day: the history health scores are computed from.

    Incremental: recomputes the days from the earliest activity day that fct_visitor_days
    rebuilt since this model's last run (or the day after its last day, when later), so
    late events correct the history they fall into.

    Distinct visitors and features over a rolling window are counted with "coverage"
    intervals (macro pulse_rolling_distinct_count): no 30x join.
-#}
{{ pulse_history_config() }}
{%- set window_days = pulse_window_days() -%}

with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

depth_features as (

    select * from {{ ref('dim_features') }}
    where is_depth_feature

),

visitor_days as (

    select * from {{ ref('fct_visitor_days') }}

),

feature_days as (

    select * from {{ ref('int_visitor_feature_days_aggregated') }}

),

{{ pulse_changed_days_ctes('visitor_days', '_pulse_batch_at', 'activity_date') }}

{{ pulse_incremental_bounds_cte() }}

reach as (

    -- the metric days plus the window_days - 1 days before them that their windows reach
    select
        start_date,
        end_date,
        {{ pulse_add_days('start_date', 1 - window_days) }} as reach_start_date
    from bounds

),

spine as (

    {{ pulse_date_spine('reach', 'reach_start_date', 'end_date') }}

),

active_visitor_days as (

    select visitor_days.*
    from visitor_days
    cross join reach
    where
        visitor_days.is_active
        and visitor_days.activity_date between reach.reach_start_date and reach.end_date

),

account_day_totals as (

    select
        account_id,
        activity_date,
        count(*) as count_active_visitors,
        cast(sum(active_minutes) as {{ pulse_type('bigint') }}) as active_minutes,
        cast(sum(count_activity_events) as {{ pulse_type('bigint') }}) as count_activity_events,
        cast(sum(count_feature_clicks) as {{ pulse_type('bigint') }}) as count_feature_clicks
    from active_visitor_days
    group by account_id, activity_date

),

daily as (

    select
        accounts.account_id,
        spine.date_day,
        coalesce(account_day_totals.count_active_visitors, 0) as count_active_visitors,
        coalesce(account_day_totals.active_minutes, 0) as active_minutes,
        coalesce(account_day_totals.count_activity_events, 0) as count_activity_events,
        coalesce(account_day_totals.count_feature_clicks, 0) as count_feature_clicks,
        case when account_day_totals.count_active_visitors > 0 then 1 else 0 end as is_active_day
    from accounts
    cross join spine
    left join account_day_totals
        on
            accounts.account_id = account_day_totals.account_id
            and spine.date_day = account_day_totals.activity_date

),

rolling as (

    select
        account_id,
        date_day as metric_date,
        cast(sum(is_active_day) over rolling_window as {{ pulse_type('bigint') }}) as count_active_days,
        cast(sum(count_active_visitors) over rolling_window as {{ pulse_type('bigint') }}) as count_visitor_days,
        cast(sum(active_minutes) over rolling_window as {{ pulse_type('bigint') }}) as active_minutes,
        cast(sum(count_activity_events) over rolling_window as {{ pulse_type('bigint') }}) as count_activity_events,
        cast(sum(count_feature_clicks) over rolling_window as {{ pulse_type('bigint') }}) as count_feature_clicks
    from daily
    window rolling_window as (
        partition by account_id order by date_day rows between {{ window_days - 1 }} preceding and current row
    )

),

depth_feature_days as (

    select distinct
        feature_days.account_id,
        feature_days.feature_id,
        feature_days.activity_date
    from feature_days
    inner join depth_features
        on feature_days.feature_id = depth_features.feature_id
    cross join reach
    where feature_days.activity_date between reach.reach_start_date and reach.end_date

),

distinct_visitors as (

    {{ pulse_rolling_distinct_count(
        'active_visitor_days', 'visitor_id', 'spine', window_days, 'count_active_visitors'
    ) }}

),

distinct_depth_features as (

    {{ pulse_rolling_distinct_count(
        'depth_feature_days', 'feature_id', 'spine', window_days, 'count_depth_features_used'
    ) }}

),

depth_feature_count as (

    select count(*) as count_depth_features
    from depth_features

),

final as (

    select
        rolling.account_id,
        rolling.metric_date,
        {{ pulse_add_days('rolling.metric_date', 1 - window_days) }} as window_start_date,
        rolling.count_active_days as count_active_days_in_window,
        coalesce(distinct_visitors.count_active_visitors, 0) as count_active_visitors_in_window,
        rolling.count_visitor_days as count_visitor_days_in_window,
        rolling.active_minutes as active_minutes_in_window,
        rolling.count_activity_events as count_activity_events_in_window,
        rolling.count_feature_clicks as count_feature_clicks_in_window,
        coalesce(distinct_depth_features.count_depth_features_used, 0) as count_depth_features_used_in_window,
        {{ pulse_effective_seats('accounts') }} as breadth_denominator,
        {{ pulse_breadth_pct(
            'coalesce(distinct_visitors.count_active_visitors, 0)',
            pulse_effective_seats('accounts')
        ) }} as breadth_pct,
        {{ pulse_ratio(
            'coalesce(distinct_depth_features.count_depth_features_used, 0)',
            'depth_feature_count.count_depth_features'
        ) }} as depth_pct,
        coalesce(
            {{ pulse_ratio('rolling.count_visitor_days', 'distinct_visitors.count_active_visitors') }}, 0
        ) as frequency,
        source_batch.source_batch_at as _pulse_source_batch_at
    from rolling
    inner join accounts
        on rolling.account_id = accounts.account_id
    cross join bounds
    cross join depth_feature_count
    cross join source_batch
    left join distinct_visitors
        on
            rolling.account_id = distinct_visitors.account_id
            and rolling.metric_date = distinct_visitors.metric_date
    left join distinct_depth_features
        on
            rolling.account_id = distinct_depth_features.account_id
            and rolling.metric_date = distinct_depth_features.metric_date
    where
        rolling.metric_date >= bounds.start_date
        and (accounts.created_date is null or rolling.metric_date >= accounts.created_date)

)

select * from final
