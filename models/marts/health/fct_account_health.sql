{#-
    Current account health as of as_of_date: one row per account of dim_accounts with the
    health_score, band, components and their contributions, the change over 7 and 30 days, the
    component that drags the score most, and the signals usage alone misses (sentiment, support
    load, CSM recency, champion inactivity). Every component of the seed health_components has
    its metric, <component>_score and <component>_contribution column. Grain: account_id.
-#}
{#- the metric columns listed in the select below -#}
{%- set signal_columns = [
    'breadth_pct', 'depth_pct', 'frequency', 'account_nps', 'weighted_open_tickets_per_10_seats',
    'days_since_csm_activity', 'interaction_sentiment', 'sponsor_engagement',
] -%}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

health_daily as (

    select health_daily.*
    from {{ ref('fct_account_health_daily') }} as health_daily
    inner join report_window
        on health_daily.metric_date = report_window.as_of_date

),

segments as (

    select * from {{ ref('fct_account_segments') }}

),

champion_roles as (

    select role
    from {{ ref('role_focus') }}
    where is_champion_role

),

champions as (

    select
        visitor_usage.account_id,
        -- champions that were active once but not in the window (the counts come from the history)
        sum(
            case
                when not visitor_usage.is_active_in_window and visitor_usage.first_active_date is not null
                    then 1
                else 0
            end
        ) as count_inactive_champions
    from {{ ref('fct_visitor_usage') }} as visitor_usage
    inner join champion_roles
        on visitor_usage.role = champion_roles.role
    group by visitor_usage.account_id

),

final as (

    select
        accounts.account_id,
        accounts.company_id,
        accounts.account_name,
        accounts.plan_tier,
        accounts.csm_owner,
        accounts.arr_usd,
        accounts.renewal_date,
        accounts.is_churned,
        report_window.as_of_date,
        health_daily.health_score,
        health_daily.health_band,
        health_daily.count_scored_components,
        health_daily.health_score_change_7_days,
        health_daily.health_score_change_30_days,
        health_daily.dragging_component,
        health_daily.breadth_pct,
        health_daily.depth_pct,
        health_daily.frequency,
        health_daily.account_nps,
        coalesce(health_daily.count_open_tickets, 0) as count_open_tickets,
        health_daily.weighted_open_tickets_per_10_seats,
        health_daily.last_csm_activity_date,
        health_daily.days_since_csm_activity,
        health_daily.interaction_sentiment,
        coalesce(health_daily.count_negative_csm_activities, 0) as count_negative_csm_activities,
        health_daily.sponsor_engagement,
        -- then the metric of any component added to the seed, and every component's columns
        {% set added = pulse_health_added_metrics('health_daily', signal_columns) -%}
        {{ added }}{{ pulse_health_component_columns('health_daily') }},
        coalesce(health_daily.count_champions, 0) as count_champions,
        coalesce(health_daily.count_active_champions, 0) as count_active_champions,
        coalesce(champions.count_inactive_champions, 0) > 0
        and coalesce(segments.count_active_days_in_window, 0) > 0 as has_inactive_champion,
        segments.primary_segment,
        coalesce(segments.is_churn_risk, false) as is_churn_risk
    from accounts
    cross join report_window
    left join health_daily
        on accounts.account_id = health_daily.account_id
    left join segments
        on accounts.account_id = segments.account_id
    left join champions
        on accounts.account_id = champions.account_id

)

select * from final
