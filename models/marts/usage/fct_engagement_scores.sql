{#-
    Product Engagement Score (README "Definitions") as of as_of_date: one row per account (scope
    'account') and one product-wide row (scope 'product', account_id null). The as_of_date rows
    of fct_engagement_scores_daily, where PES is defined (its components, stickiness_metric,
    window and growth).
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

engagement_daily as (

    select engagement_daily.*
    from {{ ref('fct_engagement_scores_daily') }} as engagement_daily
    inner join report_window
        on engagement_daily.metric_date = report_window.as_of_date

),

final as (

    select
        engagement_daily.scope_id,
        engagement_daily.engagement_scope,
        engagement_daily.account_id,
        engagement_daily.metric_date as as_of_date,
        engagement_daily.count_active_visitors_in_window,
        engagement_daily.avg_daily_active_visitors,
        engagement_daily.avg_weekly_active_visitors,
        engagement_daily.adoption_score,
        engagement_daily.stickiness_metric,
        engagement_daily.stickiness_score,
        engagement_daily.count_new_visitors,
        engagement_daily.count_recovered_visitors,
        engagement_daily.count_dropped_visitors,
        engagement_daily.growth_ratio,
        engagement_daily.growth_score,
        engagement_daily.pes
    from engagement_daily

)

select * from final
