{#-
    Product Engagement Score history (README "Definitions"): for every day from the first day with
    data to as_of_date, one row per account that exists that day (created or first active on or
    before it, the rule of dim_accounts) and one product-wide row (scope 'product', account_id
    null), with PES and its components over the window_days days ending on that day (metric_date).
    A metric day reads only activity on or before it, so its row equals fct_engagement_scores
    built with as_of_date = that day; fct_engagement_scores is the as_of_date row of this model.

    Components are 0-100: adoption, stickiness (var stickiness_metric: dau_mau, wau_mau or
    dau_wau) and growth; PES is the mean of the components that are not null. Weekly active
    visitors = mean over the complete 7-day blocks of the window, counted back from the metric
    day, of the visitors active in the block.

    Without a 30x join: distinct visitors (and visitor x core feature pairs) over the window with
    "coverage" intervals (macro pulse_rolling_distinct_count); visitor-days with a rolling sum;
    weekly blocks as 7-day distinct counts summed every 7th day; growth as spans of metric days
    per active visitor-day (new: the window holds the first-ever active day; recovered: the first
    active day of the window follows a gap that also covers the previous window; dropped: the
    last active day lies in the previous window).

    Incremental: writes the metric days from the earliest activity day fct_visitor_days rebuilt
    since this model's last run (or the day after its last day, when later) to as_of_date, as
    fct_account_usage_daily does. That range is enough, although growth also reads the previous
    window: a metric day depends only on activity on or before it, so a change on day C changes
    metric days C .. C + 2 x window_days - 1 (window, previous window) and, through a visitor's
    first-ever active day, later ones, but never a day before C; every day from C on is
    rewritten. What reaches back is the reading: the metric days need the 2 x window_days - 1 days
    before the first one written (the previous window of the first day; the weekly blocks need
    7 x blocks - 1 days, more only when window_days < 4) and each visitor's first-ever active day
    (an aggregate over all its days). A run whose stickiness_metric differs from the one stored
    rewrites every day.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=pulse_incremental_strategy(),
    unique_key='metric_date',
    partition_by=pulse_partition_by('metric_date'),
    on_schema_change='fail',
    post_hook="{{ pulse_delete_days_after_as_of('metric_date') }}",
) }}
{%- set window_days = pulse_window_days() -%}
{%- set count_week_blocks = (window_days // 7) -%}
{%- set week_block_days = [count_week_blocks, 1] | max * 7 -%}
{%- set reach_days = [2 * window_days, week_block_days] | max -%}
{%- set stickiness_metric = var('stickiness_metric') | lower -%}
{%- if stickiness_metric not in ('dau_mau', 'wau_mau', 'dau_wau') -%}
    {{ exceptions.raise_compiler_error(
        "Customer Pulse: var stickiness_metric must be dau_mau, wau_mau or dau_wau, got '"
        ~ var('stickiness_metric') ~ "'") }}
{%- endif -%}
{%- if stickiness_metric == 'dau_mau' -%}
    {%- set stickiness_score = pulse_ratio(
        '100.0 * count_visitor_days', window_days ~ ' * count_active_visitors', 2) -%}
{%- elif stickiness_metric == 'wau_mau' -%}
    {%- set stickiness_score = pulse_ratio(
        '100.0 * count_visitor_weeks', count_week_blocks ~ ' * count_active_visitors', 2) -%}
{%- else -%}
    {%- set stickiness_score = pulse_ratio(
        '100.0 * count_visitor_days * ' ~ count_week_blocks, window_days ~ ' * count_visitor_weeks', 2) -%}
{%- endif -%}
{%- if count_week_blocks == 0 and stickiness_metric != 'dau_mau' -%}
    {{ exceptions.raise_compiler_error(
        "Customer Pulse: stickiness_metric " ~ stickiness_metric ~ " needs window_days >= 7") }}
{%- endif -%}

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

{%- if is_incremental() %}

-- rows written with another stickiness_metric: then every day is rewritten
other_stickiness as (

    select count(*) as count_rows
    from {{ this }}
    where stickiness_metric <> '{{ stickiness_metric }}'

),
{%- endif %}

bounds as (

    select
        {%- set full_start = 'least(report_window.first_activity_date, report_window.as_of_date)' %}
        {%- if is_incremental() %}
            case
                when other_stickiness.count_rows > 0 then {{ full_start }}
                else {{ pulse_incremental_start_date(full_start) }}
            end as start_date,
        {%- else %}
            {{ full_start }} as start_date,
        {%- endif %}
        report_window.as_of_date as end_date
    from report_window
    {%- if is_incremental() %}
        cross join previous_run
        cross join changed_days
        cross join other_stickiness
    {%- endif %}

),

reach as (

    -- the metric days plus the days their windows read: the previous window reaches
    -- 2 x window_days - 1 days back (the weekly blocks 7 x blocks - 1)
    select
        start_date,
        end_date,
        {{ pulse_add_days('start_date', 1 - reach_days) }} as reach_start_date
    from bounds

),

spine as (

    {{ pulse_date_spine('reach', 'reach_start_date', 'end_date') }}

),

metric_days as (

    select spine.date_day
    from spine
    cross join bounds
    where spine.date_day >= bounds.start_date

),

active_visitor_days as (

    select
        visitor_days.account_id,
        visitor_days.visitor_id,
        visitor_days.activity_date
    from visitor_days
    cross join reach
    where
        visitor_days.is_active
        and visitor_days.activity_date between reach.reach_start_date and reach.end_date

),

scoped_days as (

    select
        'account' as engagement_scope,
        account_id as scope_id,
        visitor_id,
        activity_date
    from active_visitor_days

    union all

    select distinct
        'product' as engagement_scope,
        'product' as scope_id,
        visitor_id,
        activity_date
    from active_visitor_days

),

-- each visitor's first-ever active day (up to as_of_date), in its account and in the product
first_activity as (

    select
        visitor_days.account_id,
        visitor_days.visitor_id,
        min(visitor_days.activity_date) as first_active_date
    from visitor_days
    cross join report_window
    where visitor_days.is_active and visitor_days.activity_date <= report_window.as_of_date
    group by visitor_days.account_id, visitor_days.visitor_id

),

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

account_first_activity as (

    select
        account_id,
        min(first_active_date) as first_active_date
    from first_activity
    group by account_id

),

-- the scopes and the first day each exists (an account: created or first active)
scopes as (

    select
        'account' as engagement_scope,
        accounts.account_id as scope_id,
        accounts.account_id,
        least(accounts.created_date, account_first_activity.first_active_date) as first_scope_date
    from accounts
    left join account_first_activity
        on accounts.account_id = account_first_activity.account_id

    union all

    select
        'product' as engagement_scope,
        'product' as scope_id,
        null as account_id,
        null as first_scope_date

),

-- stickiness: visitor-days (daily active visitors summed over the window) ...
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
            order by date_day rows between {{ [count_week_blocks, 1] | max - 1 }} preceding and current row
        ) as {{ pulse_type('bigint') }}) as count_visitor_weeks
    from daily

),

distinct_visitors as (

    {{ pulse_rolling_distinct_count(
        'scoped_days', 'visitor_id', 'metric_days', window_days, 'count_active_visitors',
        ['engagement_scope', 'scope_id']
    ) }}

),

-- adoption: distinct (visitor, core feature) pairs clicked in the window
depth_feature_days as (

    select distinct
        feature_days.account_id,
        feature_days.visitor_id,
        feature_days.feature_id,
        feature_days.activity_date
    from feature_days
    inner join depth_features
        on feature_days.feature_id = depth_features.feature_id
    cross join reach
    where feature_days.activity_date between reach.reach_start_date and reach.end_date

),

scoped_feature_days as (

    select
        'account' as engagement_scope,
        account_id as scope_id,
        visitor_id,
        feature_id,
        activity_date
    from depth_feature_days

    union all

    select distinct
        'product' as engagement_scope,
        'product' as scope_id,
        visitor_id,
        feature_id,
        activity_date
    from depth_feature_days

),

adoption as (

    {{ pulse_rolling_distinct_count(
        'scoped_feature_days', 'visitor_id, feature_id', 'metric_days', window_days,
        'count_visitor_core_features', ['engagement_scope', 'scope_id']
    ) }}

),

depth_feature_count as (

    select count(*) as count_depth_features
    from depth_features

),

-- growth: each active visitor-day with the visitor's previous and next active day
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
        cast(sum(case when growth_spans.growth_kind = 'new' then 1 else 0 end) as {{ pulse_type('bigint') }})
            as count_new_visitors,
        cast(sum(case when growth_spans.growth_kind = 'recovered' then 1 else 0 end) as {{ pulse_type('bigint') }})
            as count_recovered_visitors,
        cast(sum(case when growth_spans.growth_kind = 'dropped' then 1 else 0 end) as {{ pulse_type('bigint') }})
            as count_dropped_visitors
    from growth_spans
    inner join metric_days
        on
            growth_spans.span_start_date <= metric_days.date_day
            and growth_spans.span_end_date >= metric_days.date_day
    group by growth_spans.engagement_scope, growth_spans.scope_id, metric_days.date_day

),

measures as (

    select
        scopes.scope_id,
        scopes.engagement_scope,
        scopes.account_id,
        metric_days.date_day as metric_date,
        coalesce(distinct_visitors.count_active_visitors, 0) as count_active_visitors,
        rolling.count_visitor_days,
        rolling.count_visitor_weeks,
        coalesce(adoption.count_visitor_core_features, 0) as count_visitor_core_features,
        depth_feature_count.count_depth_features,
        coalesce(growth.count_new_visitors, 0) as count_new_visitors,
        coalesce(growth.count_recovered_visitors, 0) as count_recovered_visitors,
        coalesce(growth.count_dropped_visitors, 0) as count_dropped_visitors
    from scopes
    cross join metric_days
    cross join depth_feature_count
    inner join rolling
        on
            scopes.engagement_scope = rolling.engagement_scope
            and scopes.scope_id = rolling.scope_id
            and metric_days.date_day = rolling.metric_date
    left join distinct_visitors
        on
            scopes.engagement_scope = distinct_visitors.engagement_scope
            and scopes.scope_id = distinct_visitors.scope_id
            and metric_days.date_day = distinct_visitors.metric_date
    left join adoption
        on
            scopes.engagement_scope = adoption.engagement_scope
            and scopes.scope_id = adoption.scope_id
            and metric_days.date_day = adoption.metric_date
    left join growth
        on
            scopes.engagement_scope = growth.engagement_scope
            and scopes.scope_id = growth.scope_id
            and metric_days.date_day = growth.metric_date
    where scopes.first_scope_date is null or metric_days.date_day >= scopes.first_scope_date

),

scores as (

    select
        *,
        {{ pulse_ratio('count_visitor_days', window_days, 4) }} as avg_daily_active_visitors,
        {{ pulse_ratio('count_visitor_weeks', [count_week_blocks, 1] | max, 4) }} as avg_weekly_active_visitors,
        {{ pulse_ratio('100.0 * count_visitor_core_features', 'count_depth_features * count_active_visitors', 2) }}
            as adoption_score,
        {{ stickiness_score }} as stickiness_score,
        '{{ stickiness_metric }}' as stickiness_metric,
        {{ pulse_ratio('count_new_visitors + count_recovered_visitors', 'count_dropped_visitors', 4) }} as growth_ratio,
        {{ pulse_ratio(
            '100.0 * (count_new_visitors + count_recovered_visitors)',
            'count_new_visitors + count_recovered_visitors + count_dropped_visitors',
            2
        ) }} as growth_score
    from measures

),

final as (

    select
        scores.metric_date,
        scores.scope_id,
        scores.engagement_scope,
        scores.account_id,
        scores.count_active_visitors as count_active_visitors_in_window,
        scores.avg_daily_active_visitors,
        scores.avg_weekly_active_visitors,
        scores.adoption_score,
        scores.stickiness_metric,
        scores.stickiness_score,
        scores.count_new_visitors,
        scores.count_recovered_visitors,
        scores.count_dropped_visitors,
        scores.growth_ratio,
        scores.growth_score,
        {{ pulse_round(
            "cast(coalesce(scores.adoption_score, 0) + coalesce(scores.stickiness_score, 0)"
            ~ " + coalesce(scores.growth_score, 0) as " ~ dbt.type_numeric() ~ ") / nullif("
            ~ "case when scores.adoption_score is null then 0 else 1 end"
            ~ " + case when scores.stickiness_score is null then 0 else 1 end"
            ~ " + case when scores.growth_score is null then 0 else 1 end, 0)",
            2
        ) }} as pes,
        source_batch.source_batch_at as _pulse_source_batch_at
    from scores
    cross join source_batch

)

select * from final
