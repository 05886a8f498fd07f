{#- Every accepted delivery of an event that is not its staged (earliest) one: exact
    re-deliveries, and conflicting ones (same event_id, another payload) with both payloads.
    Only the events with more than one accepted delivery are joined (a full build), or the
    ones that got a new delivery since the last run (incremental: their duplicates are
    computed again, delete+insert by event_id). -#}
{{ config(
    materialized='incremental',
    incremental_strategy=pulse_key_incremental_strategy(),
    unique_key='event_id',
    on_schema_change='fail',
) }}

with

changed_events as (

    {%- if is_incremental() %}
        select distinct event_id
        from {{ ref('base_product__events') }}
        where
            rejection_reason is null
            and {{ pulse_loads_after('select coalesce(max(_pulse_load_id), 0) from ' ~ this) }}
    {%- else %}
        select event_id
        from {{ ref('base_product__events') }}
        where rejection_reason is null
        group by event_id
        having count(*) > 1
    {%- endif %}

),

deliveries as (

    select * from {{ pulse_current_emissions(ref('base_product__events')) }}
    where
        rejection_reason is null
        and event_id in (select changed_events.event_id from changed_events)

),

staged as (

    select * from {{ ref('stg_product__events') }}
    where event_id in (select changed_events.event_id from changed_events)

),

final as (

    select
        deliveries.event_id,
        case
            when deliveries._payload_fingerprint = staged._payload_fingerprint then 'exact_redelivery'
            else 'conflicting_redelivery'
        end as duplicate_reason,
        deliveries.visitor_id,
        deliveries.account_id,
        deliveries.event_type,
        deliveries.event_name,
        deliveries.feature_id,
        deliveries.properties,
        deliveries.occurred_at,
        deliveries.received_at,
        deliveries._source_file,
        deliveries._source_row,
        staged.visitor_id as staged_visitor_id,
        staged.account_id as staged_account_id,
        staged.event_type as staged_event_type,
        staged.event_name as staged_event_name,
        staged.feature_id as staged_feature_id,
        staged.properties as staged_properties,
        staged.occurred_at as staged_occurred_at,
        staged.received_at as staged_received_at,
        staged._source_file as _staged_source_file,
        greatest(deliveries._load_id, staged._load_id) as _pulse_load_id
    from deliveries
    inner join staged
        on deliveries.event_id = staged.event_id
    where not (
        deliveries._source_file = staged._source_file
        and deliveries._source_row = staged._source_row
    )

)

select * from final
