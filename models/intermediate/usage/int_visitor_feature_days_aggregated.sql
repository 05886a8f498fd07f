{#-
    Feature clicks per visitor, account, local day and feature. Incremental like
    fct_visitor_days: the days touched by the events staged since the last run are rebuilt
    whole.
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
    where is_feature_click

),

events_to_aggregate as (

    select * from events
    -- incremental: only the days touched by newly received events
    {{ pulse_touched_days_filter('events') }}

),

final as (

    select
        visitor_id,
        account_id,
        activity_date,
        feature_id,
        bool_or(is_core_feature) as is_core_feature,
        cast(sum(num_events) as {{ pulse_type('bigint') }}) as count_clicks,
        min(occurred_at) as first_clicked_at,
        max(received_at) as last_received_at,
        max(_load_id) as _pulse_load_id,
        {{ pulse_run_started_at() }} as _pulse_batch_at
    from events_to_aggregate
    group by visitor_id, account_id, activity_date, feature_id

)

select * from final
