{#-
    Account health history: one row per account and day (the days of fct_account_usage_daily)
    with each component's metric and score, the health score and band, each component's
    contribution, the component that drags the score most and the change over 7 and 30 days.

    Signals as of each day: breadth, depth and frequency (rolling window, fct_account_usage_daily);
    the others are one int_ model each (models/intermediate/health): sentiment = account NPS
    (int_account_nps_daily); support = open tickets weighted by priority per 10 seats
    (int_account_open_tickets_daily; seats_purchased, or known visitors when missing or 0; null
    when no ticket was given at all: the optional support_tickets table missing or empty);
    relationship = days since the last CSM activity (int_account_csm_recency_daily);
    interaction_sentiment = mean sentiment of the CSM activities of the last
    interaction_sentiment_days days (int_account_interaction_sentiment_daily);
    sponsor_engagement = share of champion-role visitors active in the window
    (int_account_sponsor_engagement_daily). A component added to the seed health_components
    joins through `added_inputs` below. The score columns follow the seed (pulse_health_metrics).

    Incremental: recomputes the days from the earliest day fct_account_usage_daily rebuilt since
    the last run, and at least the last health_lookback_days days (NPS, tickets and CSM
    activities are small tables without a watermark; older changes need a --full-refresh).
    The 7- and 30-day changes of the days written compare with the stored scores of the days
    before them (pulse_health_history_final): those are read, not scored again.
-#}
{#- The input of each component added to the seed health_components, one line each: (its model,
    its metric column); the model has one row per account_id and metric_date (README "Adding a
    health component"), e.g. ('int_account_qbr_recency_daily', 'days_since_qbr'), -#}
{%- set added_inputs = [
] -%}
{{ pulse_history_config() }}

with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

components as (

    select * from {{ ref('health_components') }}

),

usage_daily as (

    select * from {{ ref('fct_account_usage_daily') }}

),

{{ pulse_changed_days_ctes('usage_daily', '_pulse_source_batch_at', 'metric_date') }}

{{ pulse_incremental_bounds_cte(recompute_days=var('health_lookback_days')) }}

account_days as (

    select
        usage_daily.account_id,
        usage_daily.metric_date,
        usage_daily.breadth_pct,
        usage_daily.depth_pct,
        usage_daily.frequency
    from usage_daily
    cross join bounds
    where usage_daily.metric_date between bounds.start_date and bounds.end_date

),

-- the non-usage components' inputs, one int_ model each (models/intermediate/health)
account_nps as (

    select * from {{ ref('int_account_nps_daily') }}

),

open_tickets as (

    select * from {{ ref('int_account_open_tickets_daily') }}

),

-- no ticket at all (the optional support_tickets table not given, or empty): support is
-- unknown, not perfect
ticket_source as (

    select count(*) as count_tickets
    from {{ ref('int_support_tickets') }}

),

last_csm_activity as (

    select * from {{ ref('int_account_csm_recency_daily') }}

),

interaction_sentiment as (

    select * from {{ ref('int_account_interaction_sentiment_daily') }}

),

sponsor_engagement as (

    select * from {{ ref('int_account_sponsor_engagement_daily') }}

),

signals as (

    select
        account_days.account_id,
        account_days.metric_date,
        account_days.breadth_pct,
        account_days.depth_pct,
        account_days.frequency,
        account_nps.account_nps,
        coalesce(open_tickets.count_open_tickets, 0) as count_open_tickets,
        case
            when ticket_source.count_tickets > 0
                then {{ pulse_ratio(
                    '10.0 * coalesce(open_tickets.weighted_open_tickets, 0)',
                    pulse_effective_seats('accounts'),
                    4
                ) }}
        end as weighted_open_tickets_per_10_seats,
        last_csm_activity.last_csm_activity_date,
        last_csm_activity.days_since_csm_activity,
        interaction_sentiment.interaction_sentiment,
        coalesce(interaction_sentiment.count_negative_activities, 0) as count_negative_csm_activities,
        sponsor_engagement.sponsor_engagement,
        coalesce(sponsor_engagement.count_champions, 0) as count_champions,
        {%- for model, metric in added_inputs %}
        added_{{ loop.index }}.{{ metric }},
        {%- endfor %}
        coalesce(sponsor_engagement.count_active_champions, 0) as count_active_champions
    from account_days
    inner join accounts
        on account_days.account_id = accounts.account_id
    cross join ticket_source
    left join account_nps
        on
            account_days.account_id = account_nps.account_id
            and account_days.metric_date = account_nps.metric_date
    left join open_tickets
        on
            account_days.account_id = open_tickets.account_id
            and account_days.metric_date = open_tickets.metric_date
    left join last_csm_activity
        on
            account_days.account_id = last_csm_activity.account_id
            and account_days.metric_date = last_csm_activity.metric_date
    left join interaction_sentiment
        on
            account_days.account_id = interaction_sentiment.account_id
            and account_days.metric_date = interaction_sentiment.metric_date
    left join sponsor_engagement
        on
            account_days.account_id = sponsor_engagement.account_id
            and account_days.metric_date = sponsor_engagement.metric_date
    {%- for model, metric in added_inputs %}
    left join {{ ref(model) }} as added_{{ loop.index }}
        on
            account_days.account_id = added_{{ loop.index }}.account_id
            and account_days.metric_date = added_{{ loop.index }}.metric_date
    {%- endfor %}

),

long as (

    {{ pulse_health_unpivot('signals', ['account_id', 'metric_date']) }}

),

scores as (

    {{ pulse_health_score_select('long', 'components', ['account_id', 'metric_date']) }}

),

scored_days as (

    select
        signals.*,
        scores.health_score,
        {{ pulse_health_band('scores.health_score') }} as health_band,
        coalesce(scores.count_scored_components, 0) as count_scored_components,
        {{ pulse_health_component_columns('scores') }},
        scores.dragging_component
    from signals
    left join scores
        on
            signals.account_id = scores.account_id
            and signals.metric_date = scores.metric_date

),

{{ pulse_health_history_final('scored_days', 'account_id') }}

select * from final
