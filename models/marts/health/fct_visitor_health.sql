{#-
    Visitor health as of as_of_date, scored with the same seed components as accounts on the
    visitor's own signals: breadth (share of all features clicked), depth (share of depth
    features clicked), frequency (active days in the window) and sentiment (the visitor's
    latest NPS as a one-person NPS: promoter 100, passive 0, detractor -100). Support,
    relationship, interaction sentiment and sponsor engagement are account signals and do not
    apply: their weights are renormalised away.
    Grain: visitor_id.
-#}
with

components as (

    select * from {{ ref('health_components') }}

),

visitor_usage as (

    select * from {{ ref('fct_visitor_usage') }}

),

nps as (

    select * from {{ ref('fct_nps') }}

),

signals as (

    select
        visitor_usage.visitor_id,
        visitor_usage.account_id,
        visitor_usage.role,
        visitor_usage.as_of_date,
        visitor_usage.breadth_pct,
        visitor_usage.depth_pct,
        visitor_usage.frequency,
        case nps.nps_category
            when 'promoter' then 100
            when 'passive' then 0
            when 'detractor' then -100
        end as account_nps,
        cast(null as {{ pulse_type('double') }}) as weighted_open_tickets_per_10_seats,
        cast(null as {{ pulse_type('double') }}) as days_since_csm_activity,
        cast(null as {{ pulse_type('double') }}) as interaction_sentiment,
        cast(null as {{ pulse_type('double') }}) as sponsor_engagement
    from visitor_usage
    left join nps
        on visitor_usage.visitor_id = nps.visitor_id

),

long as (

    {{ pulse_health_unpivot('signals', ['visitor_id']) }}

),

scores as (

    {{ pulse_health_score_select('long', 'components', ['visitor_id']) }}

),

final as (

    select
        signals.visitor_id,
        signals.account_id,
        signals.role,
        signals.as_of_date,
        scores.health_score,
        {{ pulse_health_band('scores.health_score') }} as health_band,
        coalesce(scores.count_scored_components, 0) as count_scored_components,
        scores.dragging_component,
        signals.breadth_pct,
        signals.depth_pct,
        signals.frequency,
        cast(signals.account_nps as {{ pulse_type('double') }}) as visitor_nps,
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
        on signals.visitor_id = scores.visitor_id

)

select * from final
