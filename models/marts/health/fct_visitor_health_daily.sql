{#-
    Visitor health history: one row per visitor and day (the days of fct_visitor_usage_daily),
    scored with the seed components on the visitor's own signals as of that day: breadth,
    depth and frequency over the window ending that day (fct_visitor_usage_daily) and sentiment
    = the visitor's latest NPS answer as a one-person NPS (int_visitor_nps_daily: promoter 100,
    passive 0, detractor -100). Support, relationship, interaction sentiment and sponsor
    engagement (and any component added to the seed) are account signals and do not apply:
    their weights are renormalised away.
    fct_visitor_health is the as_of_date row of each visitor.

    Incremental like fct_account_health_daily: recomputes the days from the earliest day
    fct_visitor_usage_daily rebuilt since the last run, and at least the last
    health_lookback_days days (NPS answers have no watermark); the changes compare with the
    stored scores of the days before the first day written.
-#}
{%- set visitor_metrics = ['breadth_pct', 'depth_pct', 'frequency', 'account_nps'] -%}
{{ pulse_history_config() }}

with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

components as (

    select * from {{ ref('health_components') }}

),

usage_daily as (

    select * from {{ ref('fct_visitor_usage_daily') }}

),

visitor_nps as (

    select * from {{ ref('int_visitor_nps_daily') }}

),

{{ pulse_changed_days_ctes('usage_daily', '_pulse_source_batch_at', 'metric_date') }}

{{ pulse_incremental_bounds_cte(recompute_days=var('health_lookback_days')) }}

signals as (

    select
        usage_daily.visitor_id,
        usage_daily.account_id,
        usage_daily.metric_date,
        usage_daily.breadth_pct,
        usage_daily.depth_pct,
        usage_daily.frequency,
        cast(visitor_nps.visitor_nps as {{ pulse_type('double') }}) as account_nps
    from usage_daily
    cross join bounds
    left join visitor_nps
        on
            usage_daily.visitor_id = visitor_nps.visitor_id
            and usage_daily.metric_date = visitor_nps.metric_date
    where usage_daily.metric_date between bounds.start_date and bounds.end_date

),

long as (

    -- the components with a visitor signal; the seed's other components are account signals
    {{ pulse_health_unpivot('signals', ['visitor_id', 'metric_date'], visitor_metrics) }}

),

scores as (

    {{ pulse_health_score_select('long', 'components', ['visitor_id', 'metric_date']) }}

),

scored_days as (

    select
        signals.visitor_id,
        signals.account_id,
        signals.metric_date,
        scores.health_score,
        {{ pulse_health_band('scores.health_score') }} as health_band,
        coalesce(scores.count_scored_components, 0) as count_scored_components,
        scores.dragging_component,
        signals.breadth_pct,
        signals.depth_pct,
        signals.frequency,
        signals.account_nps as visitor_nps,
        scores.breadth_score,
        scores.breadth_contribution,
        scores.depth_score,
        scores.depth_contribution,
        scores.frequency_score,
        scores.frequency_contribution,
        scores.sentiment_score,
        scores.sentiment_contribution
    from signals
    left join scores
        on
            signals.visitor_id = scores.visitor_id
            and signals.metric_date = scores.metric_date

),

{{ pulse_health_history_final('scored_days', 'visitor_id') }}

select * from final
