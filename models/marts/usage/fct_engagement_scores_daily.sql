{#-
    Product Engagement Score history (README "Definitions"): for every day from the first day with
    data to as_of_date, one row per account that exists that day (created or first active on or
    before it, the rule of dim_accounts) and one product-wide row (scope 'product', account_id
    null), with PES and its components over the window_days days ending on that day (metric_date).
    A metric day reads only activity on or before it, so its row equals fct_engagement_scores
    built with as_of_date = that day; fct_engagement_scores is the as_of_date row of this model.

    Components are 0-100, each from the counts of its own model:
    - adoption (int_engagement_adoption_daily): 100 x (visitor, depth feature) pairs clicked in
      the window / (depth features x active visitors);
    - stickiness (int_engagement_activity_daily), by var stickiness_metric: dau_mau = DAU / MAU,
      wau_mau = WAU / MAU, dau_wau = DAU / WAU, x 100; DAU = visitor-days / window_days, WAU =
      visitor-weeks / complete 7-day blocks of the window (counted back from the metric day);
    - growth (int_engagement_growth_daily): 100 x (new + recovered) / (new + recovered + dropped).
    PES is the mean of the components that are not null.

    Incremental: writes the metric days from the earliest one any component model wrote since
    this model's last run (their rows carry the run that wrote them, _pulse_batch_at; this
    model stores the latest it read as _pulse_source_batch_at), or from the day after its last
    day, when later, to as_of_date. So a component rebuilt alone (selected, or full-refreshed
    after a change of dim_features) still reaches this model on its next run. The component
    models decide which days change (macro pulse_engagement_days_ctes). A run whose
    stickiness_metric differs from the one stored rewrites every day.
-#}
{{ pulse_history_config() }}
{%- set window_days = pulse_window_days() -%}
{%- set count_week_blocks = (window_days // 7) -%}
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

activity as (

    select * from {{ ref('int_engagement_activity_daily') }}

),

adoption as (

    select * from {{ ref('int_engagement_adoption_daily') }}

),

growth as (

    select * from {{ ref('int_engagement_growth_daily') }}

),

-- the component counts of each scope and metric day (the same rows in each model)
components as (

    select
        activity.metric_date,
        activity.scope_id,
        activity.engagement_scope,
        activity.account_id,
        activity.count_active_visitors,
        activity.count_visitor_days,
        activity.count_visitor_weeks,
        adoption.count_visitor_core_features,
        adoption.count_depth_features,
        growth.count_new_visitors,
        growth.count_recovered_visitors,
        growth.count_dropped_visitors,
        -- the latest run of a component that wrote the row: a component rebuilt alone (a
        -- selected or full-refresh run) makes its days change here too
        greatest(activity._pulse_batch_at, adoption._pulse_batch_at, growth._pulse_batch_at)
            as _pulse_batch_at
    from activity
    -- inner joins: a day some component has not written yet is written when it has
    inner join adoption
        on
            activity.metric_date = adoption.metric_date
            and activity.engagement_scope = adoption.engagement_scope
            and activity.scope_id = adoption.scope_id
    inner join growth
        on
            activity.metric_date = growth.metric_date
            and activity.engagement_scope = growth.engagement_scope
            and activity.scope_id = growth.scope_id

),

{{ pulse_changed_days_ctes('components', '_pulse_batch_at', 'metric_date') }}

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

measures as (

    select components.*
    from components
    cross join bounds
    where components.metric_date between bounds.start_date and bounds.end_date

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
