{#-
    The counts behind PES growth, per engagement scope (each account, and the product) and
    metric day, over the window_days days ending on the metric day (the window) and the
    window_days days before it (the previous window):
    - new: the visitor's first-ever active day in the scope falls in the window;
    - recovered: active in the window, not in the previous window, active before it;
    - dropped: active in the previous window, not in the window.
    fct_engagement_scores_daily turns them into growth_ratio and growth_score.

    Without a 30x join: spans of metric days per active visitor-day. A metric day reads only
    activity on or before it; what reaches back is the previous window (2 x window_days - 1
    days before the first day written) and each visitor's first-ever active day (all its
    days). Rows, metric days written and days read: macro pulse_engagement_days_ctes.
-#}
{{ pulse_history_config() }}
{%- set window_days = pulse_window_days() -%}

with

{{ pulse_engagement_days_ctes() }}

-- each visitor's first-ever active day in its account and in the product
scoped_first_activity as (

    select
        'account' as engagement_scope,
        account_id as scope_id,
        visitor_id,
        first_active_date
    from first_activity

    union all

    select
        'product' as engagement_scope,
        'product' as scope_id,
        visitor_id,
        min(first_active_date) as first_active_date
    from first_activity
    group by visitor_id

),

-- each active visitor-day with the visitor's previous and next active day
visitor_activity as (

    select
        scoped_days.engagement_scope,
        scoped_days.scope_id,
        scoped_days.visitor_id,
        scoped_days.activity_date,
        scoped_first_activity.first_active_date,
        lag(scoped_days.activity_date) over visitor_days_window as previous_active_date,
        lead(scoped_days.activity_date) over visitor_days_window as next_active_date
    from scoped_days
    inner join scoped_first_activity
        on
            scoped_days.engagement_scope = scoped_first_activity.engagement_scope
            and scoped_days.scope_id = scoped_first_activity.scope_id
            and scoped_days.visitor_id = scoped_first_activity.visitor_id
    window visitor_days_window as (
        partition by scoped_days.engagement_scope, scoped_days.scope_id, scoped_days.visitor_id
        order by scoped_days.activity_date
    )

),

-- the metric days on which a visitor counts as new, recovered or dropped, as spans (at most
-- one span of each kind per visitor covers a day). An active day u with previous active day p
-- and next active day n:
-- new: u is the first-ever active day: days u .. u + window_days - 1;
-- recovered: u is the first active day of the window and p lies before the previous window:
-- days max(u, p + 2 x window_days) .. u + window_days - 1 (p before the reach: the first-ever
-- active day stands in for it; both lie 2 x window_days or more before the first metric day);
-- dropped: u is the last active day and lies in the previous window: days u + window_days ..
-- min(u + 2 x window_days - 1, n - 1).
growth_spans as (

    select
        engagement_scope,
        scope_id,
        'new' as growth_kind,
        activity_date as span_start_date,
        {{ pulse_add_days('activity_date', window_days - 1) }} as span_end_date
    from visitor_activity
    where activity_date = first_active_date

    union all

    select
        engagement_scope,
        scope_id,
        'recovered' as growth_kind,
        greatest(
            activity_date,
            {{ pulse_add_days('coalesce(previous_active_date, first_active_date)', 2 * window_days) }}
        ) as span_start_date,
        {{ pulse_add_days('activity_date', window_days - 1) }} as span_end_date
    from visitor_activity
    where
        activity_date > first_active_date
        -- the span is empty unless more than window_days days lie between p and u
        and {{ pulse_days_between('coalesce(previous_active_date, first_active_date)', 'activity_date') }}
        > {{ window_days }}

    union all

    select
        engagement_scope,
        scope_id,
        'dropped' as growth_kind,
        {{ pulse_add_days('activity_date', window_days) }} as span_start_date,
        case
            when next_active_date is null then {{ pulse_add_days('activity_date', 2 * window_days - 1) }}
            else least(
                {{ pulse_add_days('activity_date', 2 * window_days - 1) }},
                {{ pulse_add_days('next_active_date', -1) }}
            )
        end as span_end_date
    from visitor_activity
    -- the span is empty unless more than window_days days lie between u and n
    where
        next_active_date is null
        or {{ pulse_days_between('activity_date', 'next_active_date') }} > {{ window_days }}

),

growth as (

    select
        growth_spans.engagement_scope,
        growth_spans.scope_id,
        metric_days.date_day as metric_date,
        sum(case when growth_spans.growth_kind = 'new' then 1 else 0 end) as count_new_visitors,
        sum(case when growth_spans.growth_kind = 'recovered' then 1 else 0 end) as count_recovered_visitors,
        sum(case when growth_spans.growth_kind = 'dropped' then 1 else 0 end) as count_dropped_visitors
    from growth_spans
    inner join metric_days
        on
            growth_spans.span_start_date <= metric_days.date_day
            and growth_spans.span_end_date >= metric_days.date_day
    group by growth_spans.engagement_scope, growth_spans.scope_id, metric_days.date_day

),

final as (

    select
        scope_days.metric_date,
        scope_days.scope_id,
        scope_days.engagement_scope,
        scope_days.account_id,
        cast(coalesce(growth.count_new_visitors, 0) as {{ pulse_type('bigint') }}) as count_new_visitors,
        cast(coalesce(growth.count_recovered_visitors, 0) as {{ pulse_type('bigint') }}) as count_recovered_visitors,
        cast(coalesce(growth.count_dropped_visitors, 0) as {{ pulse_type('bigint') }}) as count_dropped_visitors,
        source_batch.source_batch_at as _pulse_source_batch_at,
        {{ pulse_run_started_at() }} as _pulse_batch_at
    from scope_days
    cross join source_batch
    left join growth
        on
            scope_days.engagement_scope = growth.engagement_scope
            and scope_days.scope_id = growth.scope_id
            and scope_days.metric_date = growth.metric_date

)

select * from final
