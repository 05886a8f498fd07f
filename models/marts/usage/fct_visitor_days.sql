{#-
    One row per visitor, account and local day with at least one event. Incremental: each run
    finds the days touched by the events staged since the last run (late ones of any age
    included, see pulse_touched_days_filter) and rebuilds those days whole from staged events,
    so the result equals a full refresh.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=pulse_incremental_strategy(),
    unique_key='activity_date',
    partition_by=pulse_partition_by('activity_date'),
    on_schema_change='fail',
) }}

-- depends_on: {{ ref('int_events_checked') }}
with

events as (

    select * from {{ ref('int_events_localized') }}

),

events_to_aggregate as (

    select * from events
    -- incremental: only the days touched by newly received events
    {{ pulse_touched_days_filter('events') }}

),

aggregated as (

    select
        visitor_id,
        account_id,
        activity_date,
        cast(sum(num_events) as {{ pulse_type('bigint') }}) as count_events,
        cast(sum(case when is_activity then num_events else 0 end) as {{ pulse_type('bigint') }})
            as count_activity_events,
        -- the distinct clock minutes of the events, plus the minutes aggregated rows report
        count(distinct case when is_activity and num_minutes is null then activity_minute end)
        + cast(coalesce(sum(case when is_activity then num_minutes end), 0) as {{ pulse_type('bigint') }})
            as active_minutes,
        cast(sum(case when is_feature_click then num_events else 0 end) as {{ pulse_type('bigint') }})
            as count_feature_clicks,
        count(distinct case when is_feature_click then feature_id end) as count_features_used,
        count(distinct case when is_feature_click and is_core_feature then feature_id end)
            as count_core_features_used,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at,
        max(received_at) as last_received_at,
        max(_load_id) as _pulse_load_id
    from events_to_aggregate
    group by visitor_id, account_id, activity_date

),

final as (

    select
        visitor_id,
        account_id,
        activity_date,
        count_events,
        count_activity_events,
        active_minutes,
        count_feature_clicks,
        count_features_used,
        count_core_features_used,
        count_activity_events > 0 as is_active,
        first_event_at,
        last_event_at,
        last_received_at,
        _pulse_load_id,
        {{ pulse_run_started_at() }} as _pulse_batch_at
    from aggregated

)

select * from final
