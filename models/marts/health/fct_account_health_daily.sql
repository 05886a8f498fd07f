{#-
    Account health history: one row per account and day (the days of fct_account_usage_daily)
    with each component's metric and score, the health score and band, each component's
    contribution, the component that drags the score most and the change over 7 and 30 days.

    Signals as of each day: breadth, depth and frequency (rolling window, fct_account_usage_daily);
    sentiment = account NPS over each visitor's latest response in the nps_lookback_days days
    ending that day; support = tickets open that day per 10 seats (seats_purchased, or known
    visitors when missing or 0); relationship = days since the account's last CSM activity.

    Incremental: recomputes the days from the earliest day fct_account_usage_daily rebuilt since
    the last run, and at least the last health_lookback_days days (NPS, tickets and CSM
    activities are small tables without a watermark; older changes need a --full-refresh).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=pulse_incremental_strategy(),
    unique_key='metric_date',
    partition_by=pulse_partition_by('metric_date'),
    on_schema_change='fail',
    post_hook="{{ pulse_delete_days_after_as_of('metric_date') }}",
) }}

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

source_batch as (

    select max(_pulse_source_batch_at) as source_batch_at
    from usage_daily

),

{{ pulse_changed_days_ctes('usage_daily', '_pulse_source_batch_at', 'metric_date') }}

bounds as (

    select
        {{ pulse_incremental_start_date('report_window.first_activity_date', var('health_lookback_days')) }}
            as start_date,
        report_window.as_of_date as end_date
    from report_window
    {%- if is_incremental() %}
        cross join previous_run
        cross join changed_days
    {%- endif %}

),

-- the days to score: the days to write plus the 30 days before them (for the changes)
reach as (

    select
        start_date,
        end_date,
        {{ pulse_add_days('start_date', -30) }} as reach_start_date
    from bounds

),

spine as (

    {{ pulse_date_spine('reach', 'reach_start_date', 'end_date') }}

),

account_days as (

    select
        usage_daily.account_id,
        usage_daily.metric_date,
        usage_daily.breadth_pct,
        usage_daily.depth_pct,
        usage_daily.frequency
    from usage_daily
    cross join reach
    where usage_daily.metric_date between reach.reach_start_date and reach.end_date

),

-- sentiment: each visitor's latest response of a day counts until their next one, for at most
-- nps_lookback_days days
nps_daily_latest as (

    select
        visitor_id,
        account_id,
        score,
        cast({{ pulse_local_timestamp('responded_at') }} as date) as responded_date,
        row_number() over (
            partition by visitor_id, cast({{ pulse_local_timestamp('responded_at') }} as date)
            order by responded_at desc, response_id desc
        ) as response_rank
    from {{ ref('stg_product__nps_responses') }}

),

nps_coverage as (

    select
        account_id,
        score,
        responded_date as covered_from_date,
        {{ pulse_add_days('responded_date', var('nps_lookback_days') - 1) }} as lookback_end_date,
        {{ pulse_add_days(
            'lead(responded_date) over (partition by visitor_id order by responded_date)', -1
        ) }} as next_response_eve_date
    from nps_daily_latest
    where response_rank = 1

),

account_nps as (

    select
        nps_coverage.account_id,
        spine.date_day as metric_date,
        {{ pulse_ratio(
            '100.0 * (sum(case when nps_coverage.score >= ' ~ var('nps_promoter_min_score') ~ ' then 1 else 0 end)'
            ~ ' - sum(case when nps_coverage.score < ' ~ var('nps_passive_min_score') ~ ' then 1 else 0 end))',
            'count(*)', 2
        ) }} as account_nps
    from nps_coverage
    inner join spine
        on
            nps_coverage.covered_from_date <= spine.date_day
            and nps_coverage.lookback_end_date >= spine.date_day
            and (nps_coverage.next_response_eve_date is null or nps_coverage.next_response_eve_date >= spine.date_day)
    group by nps_coverage.account_id, spine.date_day

),

-- support: tickets open on each day (a ticket closed without a resolution time counts on no day)
tickets as (

    select
        account_id,
        cast({{ pulse_local_timestamp('opened_at') }} as date) as opened_date,
        case
            when resolved_at is not null
                then {{ pulse_add_days('cast(' ~ pulse_local_timestamp('resolved_at') ~ ' as date)', -1) }}
            when is_open then cast('9999-12-31' as date)
            else {{ pulse_add_days('cast(' ~ pulse_local_timestamp('opened_at') ~ ' as date)', -1) }}
        end as open_until_date
    from {{ ref('stg_support__tickets') }}
    where account_id is not null

),

open_tickets as (

    select
        tickets.account_id,
        spine.date_day as metric_date,
        count(*) as count_open_tickets
    from tickets
    inner join spine
        on tickets.opened_date <= spine.date_day and tickets.open_until_date >= spine.date_day
    group by tickets.account_id, spine.date_day

),

-- relationship: the last CSM activity on or before each day
csm_activity_days as (

    select distinct
        account_id,
        cast({{ pulse_local_timestamp('occurred_at') }} as date) as activity_date
    from {{ ref('stg_crm__activities') }}
    where account_id is not null

),

csm_coverage as (

    select
        account_id,
        activity_date,
        coalesce(
            {{ pulse_add_days('lead(activity_date) over (partition by account_id order by activity_date)', -1) }},
            cast('9999-12-31' as date)
        ) as covered_to_date
    from csm_activity_days

),

last_csm_activity as (

    select
        csm_coverage.account_id,
        spine.date_day as metric_date,
        csm_coverage.activity_date as last_csm_activity_date
    from csm_coverage
    inner join spine
        on csm_coverage.activity_date <= spine.date_day and csm_coverage.covered_to_date >= spine.date_day

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
        {{ pulse_ratio(
            '10.0 * coalesce(open_tickets.count_open_tickets, 0)',
            'coalesce(nullif(accounts.seats_purchased, 0), accounts.count_known_visitors)',
            4
        ) }} as open_tickets_per_10_seats,
        last_csm_activity.last_csm_activity_date,
        {{ pulse_days_between('last_csm_activity.last_csm_activity_date', 'account_days.metric_date') }}
            as days_since_csm_activity
    from account_days
    inner join accounts
        on account_days.account_id = accounts.account_id
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
        scores.breadth_score,
        scores.breadth_contribution,
        scores.depth_score,
        scores.depth_contribution,
        scores.frequency_score,
        scores.frequency_contribution,
        scores.sentiment_score,
        scores.sentiment_contribution,
        scores.support_score,
        scores.support_contribution,
        scores.relationship_score,
        scores.relationship_contribution,
        scores.dragging_component
    from signals
    left join scores
        on
            signals.account_id = scores.account_id
            and signals.metric_date = scores.metric_date

),

final as (

    select
        scored_days.*,
        {{ pulse_round('scored_days.health_score - week_before.health_score', 2) }} as health_score_change_7_days,
        {{ pulse_round('scored_days.health_score - month_before.health_score', 2) }} as health_score_change_30_days,
        source_batch.source_batch_at as _pulse_source_batch_at
    from scored_days
    cross join bounds
    cross join source_batch
    left join scored_days as week_before
        on
            scored_days.account_id = week_before.account_id
            and {{ pulse_add_days('scored_days.metric_date', -7) }} = week_before.metric_date
    left join scored_days as month_before
        on
            scored_days.account_id = month_before.account_id
            and {{ pulse_add_days('scored_days.metric_date', -30) }} = month_before.metric_date
    where scored_days.metric_date >= bounds.start_date

)

select * from final
