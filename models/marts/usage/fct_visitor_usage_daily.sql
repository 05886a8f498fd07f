{#-
    One row per visitor and local day (from the day the visitor exists: created, local day, or
    first active, whichever comes first; from the first day of data when created_at is unknown;
    to as_of_date) with the rolling window metrics of the window_days days ending on that day,
    over every account the visitor has events in: the history visitor health is computed from.
    breadth_pct = share of all features clicked, depth_pct = share of the depth features
    clicked, frequency = active days (as fct_visitor_usage, which is the as_of_date row's
    definition too). Visitors are those of dim_visitors.

    Incremental like fct_account_usage_daily: recomputes the days from the earliest activity day
    fct_visitor_days rebuilt since this model's last run (or the day after its last day).
    Distinct features over a rolling window are counted with pulse_rolling_distinct_count.
-#}
{{ pulse_history_config() }}
{%- set window_days = pulse_window_days() -%}

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

feature_counts as (

    select
        count(*) as count_features,
        sum(case when is_depth_feature then 1 else 0 end) as count_depth_features
    from features

),

-- the first day each visitor exists (int_visitors_existing's rule, day by day)
visitor_starts as (

    select
        visitor_id,
        account_id,
        case
            when created_at is null then null
            when first_active_date is null then cast({{ pulse_local_timestamp('created_at') }} as date)
            when cast({{ pulse_local_timestamp('created_at') }} as date) < first_active_date
                then cast({{ pulse_local_timestamp('created_at') }} as date)
            else first_active_date
        end as exists_from_date
    from visitors

),

active_days as (

    -- one row per visitor and active day, over all the visitor's accounts
    select
        visitor_days.visitor_id,
        visitor_days.activity_date,
        cast(sum(visitor_days.active_minutes) as {{ pulse_type('bigint') }}) as active_minutes
    from visitor_days
    cross join reach
    where
        visitor_days.is_active
        and visitor_days.activity_date between reach.reach_start_date and reach.end_date
    group by visitor_days.visitor_id, visitor_days.activity_date

),

daily as (

    select
        visitor_starts.visitor_id,
        visitor_starts.account_id,
        visitor_starts.exists_from_date,
        spine.date_day,
        case when active_days.visitor_id is not null then 1 else 0 end as is_active_day,
        coalesce(active_days.active_minutes, 0) as active_minutes
    from visitor_starts
    cross join spine
    left join active_days
        on
            visitor_starts.visitor_id = active_days.visitor_id
            and spine.date_day = active_days.activity_date

),

rolling as (

    select
        visitor_id,
        account_id,
        exists_from_date,
        date_day as metric_date,
        cast(sum(is_active_day) over rolling_window as {{ pulse_type('bigint') }}) as count_active_days,
        cast(sum(active_minutes) over rolling_window as {{ pulse_type('bigint') }}) as active_minutes
    from daily
    window rolling_window as (
        partition by visitor_id order by date_day rows between {{ window_days - 1 }} preceding and current row
    )

),

used_feature_days as (

    select distinct
        feature_days.visitor_id,
        feature_days.feature_id,
        feature_days.activity_date
    from feature_days
    cross join reach
    where feature_days.activity_date between reach.reach_start_date and reach.end_date

),

used_depth_feature_days as (

    select used_feature_days.*
    from used_feature_days
    inner join features
        on used_feature_days.feature_id = features.feature_id
    where features.is_depth_feature

),

distinct_features as (

    {{ pulse_rolling_distinct_count(
        'used_feature_days', 'feature_id', 'spine', window_days, 'count_features_used', ['visitor_id']
    ) }}

),

distinct_depth_features as (

    {{ pulse_rolling_distinct_count(
        'used_depth_feature_days', 'feature_id', 'spine', window_days, 'count_depth_features_used', ['visitor_id']
    ) }}

),

final as (

    select
        rolling.visitor_id,
        rolling.account_id,
        rolling.metric_date,
        {{ pulse_add_days('rolling.metric_date', 1 - window_days) }} as window_start_date,
        rolling.count_active_days as count_active_days_in_window,
        rolling.active_minutes as active_minutes_in_window,
        cast(coalesce(distinct_features.count_features_used, 0) as {{ pulse_type('bigint') }})
            as count_features_used_in_window,
        cast(coalesce(distinct_depth_features.count_depth_features_used, 0) as {{ pulse_type('bigint') }})
            as count_depth_features_used_in_window,
        {{ pulse_ratio('coalesce(distinct_features.count_features_used, 0)', 'feature_counts.count_features') }}
            as breadth_pct,
        {{ pulse_ratio(
            'coalesce(distinct_depth_features.count_depth_features_used, 0)', 'feature_counts.count_depth_features'
        ) }} as depth_pct,
        rolling.count_active_days as frequency,
        source_batch.source_batch_at as _pulse_source_batch_at
    from rolling
    cross join bounds
    cross join feature_counts
    cross join source_batch
    left join distinct_features
        on
            rolling.visitor_id = distinct_features.visitor_id
            and rolling.metric_date = distinct_features.metric_date
    left join distinct_depth_features
        on
            rolling.visitor_id = distinct_depth_features.visitor_id
            and rolling.metric_date = distinct_depth_features.metric_date
    where
        rolling.metric_date >= bounds.start_date
        and (rolling.exists_from_date is null or rolling.metric_date >= rolling.exists_from_date)

)

select * from final
