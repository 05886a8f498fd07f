{#-
    The activity counts behind PES stickiness, per engagement scope (each account, and the
    product) and metric day, over the window_days days ending on the metric day: distinct
    active visitors (MAU), visitor-days (daily active visitors summed over the window: DAU x
    window_days) and visitor-weeks (weekly active visitors summed over the complete 7-day
    blocks counted back from the metric day: WAU x blocks). fct_engagement_scores_daily turns
    them into the stickiness score of var stickiness_metric.

    Without a 30x join: distinct visitors over the window with "coverage" intervals (macro
    pulse_rolling_distinct_count); visitor-days with a rolling sum; weekly blocks as 7-day
    distinct counts summed every 7th day. Rows, metric days written and days read: macro
    pulse_engagement_days_ctes.
-#}
{{ pulse_history_config() }}
{%- set window_days = pulse_window_days() -%}
{%- set count_week_blocks = [window_days // 7, 1] | max -%}

with

{{ pulse_engagement_days_ctes() }}

-- visitor-days: daily active visitors ...
scope_day_totals as (

    select
        engagement_scope,
        scope_id,
        activity_date,
        count(*) as count_active_visitors
    from scoped_days
    group by engagement_scope, scope_id, activity_date

),

-- ... and visitor-weeks: the visitors active in each 7-day block counted back from the
-- metric day (the 7 days ending on it, on the day 7 before it, ...), summed over the blocks
-- (every 7th row of a scope: same weekday_number)
weekly_active as (

    {{ pulse_rolling_distinct_count(
        'scoped_days', 'visitor_id', 'spine', 7, 'count_weekly_active_visitors',
        ['engagement_scope', 'scope_id']
    ) }}

),

daily as (

    select
        scopes.engagement_scope,
        scopes.scope_id,
        spine.date_day,
        {{ pulse_days_between('reach.reach_start_date', 'spine.date_day') }} % 7 as weekday_number,
        coalesce(scope_day_totals.count_active_visitors, 0) as count_active_visitors,
        coalesce(weekly_active.count_weekly_active_visitors, 0) as count_weekly_active_visitors
    from scopes
    cross join spine
    cross join reach
    left join scope_day_totals
        on
            scopes.engagement_scope = scope_day_totals.engagement_scope
            and scopes.scope_id = scope_day_totals.scope_id
            and spine.date_day = scope_day_totals.activity_date
    left join weekly_active
        on
            scopes.engagement_scope = weekly_active.engagement_scope
            and scopes.scope_id = weekly_active.scope_id
            and spine.date_day = weekly_active.metric_date

),

rolling as (

    select
        engagement_scope,
        scope_id,
        date_day as metric_date,
        cast(sum(count_active_visitors) over (
            partition by engagement_scope, scope_id
            order by date_day rows between {{ window_days - 1 }} preceding and current row
        ) as {{ pulse_type('bigint') }}) as count_visitor_days,
        cast(sum(count_weekly_active_visitors) over (
            partition by engagement_scope, scope_id, weekday_number
            order by date_day rows between {{ count_week_blocks - 1 }} preceding and current row
        ) as {{ pulse_type('bigint') }}) as count_visitor_weeks
    from daily

),

distinct_visitors as (

    {{ pulse_rolling_distinct_count(
        'scoped_days', 'visitor_id', 'metric_days', window_days, 'count_active_visitors',
        ['engagement_scope', 'scope_id']
    ) }}

),

final as (

    select
        scope_days.metric_date,
        scope_days.scope_id,
        scope_days.engagement_scope,
        scope_days.account_id,
        cast(coalesce(distinct_visitors.count_active_visitors, 0) as {{ pulse_type('bigint') }})
            as count_active_visitors,
        rolling.count_visitor_days,
        rolling.count_visitor_weeks,
        source_batch.source_batch_at as _pulse_source_batch_at,
        {{ pulse_run_started_at() }} as _pulse_batch_at
    from scope_days
    cross join source_batch
    inner join rolling
        on
            scope_days.engagement_scope = rolling.engagement_scope
            and scope_days.scope_id = rolling.scope_id
            and scope_days.metric_date = rolling.metric_date
    left join distinct_visitors
        on
            scope_days.engagement_scope = distinct_visitors.engagement_scope
            and scope_days.scope_id = distinct_visitors.scope_id
            and scope_days.metric_date = distinct_visitors.metric_date

)

select * from final
