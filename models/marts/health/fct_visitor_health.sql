{#-
    Visitor health as of as_of_date: each visitor's as_of_date row of the history
    fct_visitor_health_daily (scored with the seed components on the visitor's own signals:
    breadth, depth, frequency in the window and the latest NPS answer as a one-person NPS),
    so visitor health is defined in one place.
    Grain: visitor_id.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

visitors as (

    select * from {{ ref('dim_visitors') }}

),

history as (

    select * from {{ ref('fct_visitor_health_daily') }}

),

final as (

    select
        visitors.visitor_id,
        visitors.account_id,
        visitors.role,
        report_window.as_of_date,
        history.health_score,
        history.health_band,
        coalesce(history.count_scored_components, 0) as count_scored_components,
        history.dragging_component,
        history.breadth_pct,
        history.depth_pct,
        history.frequency,
        history.visitor_nps,
        history.breadth_score,
        history.breadth_contribution,
        history.depth_score,
        history.depth_contribution,
        history.frequency_score,
        history.frequency_contribution,
        history.sentiment_score,
        history.sentiment_contribution
    from visitors
    cross join report_window
    left join history
        on
            visitors.visitor_id = history.visitor_id
            and report_window.as_of_date = history.metric_date

)

select * from final
