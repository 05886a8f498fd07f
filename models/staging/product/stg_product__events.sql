{#-
    One row per event_id: its earliest delivery (README "Your own data"), across files and runs
    (with var source_system pendo its latest: a re-synced aggregate row replaces the row it
    updates, pulse_keeps_latest_delivery).
    Incremental: each run ranks the accepted deliveries landed since the last run together
    with the staged row of the same event_id, and replaces a staged row only when a new
    delivery has an earlier received_at (ties: occurred_at, then the payload; an exact tie
    keeps the staged row). A replaced row's occurred_at is kept in _replaced_occurred_at so
    the daily facts rebuild the day it leaves. The losers are in stg_product__events_duplicates.
    Only the event_ids with more than one candidate are ranked: the others (nearly all, on a
    full build) pass through an anti-join whose build side is the short list of repeated ids,
    so no step holds or sorts every delivery (pulse bench, README "Performance").
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=pulse_key_incremental_strategy(),
    unique_key='event_id',
    on_schema_change='fail',
) }}

{% set delivery_columns = [
    'event_id', 'visitor_id', 'account_id', 'event_type', 'source_event_type', 'event_name',
    'feature_id', 'properties', 'num_events', 'num_minutes', 'occurred_at', 'received_at', '_payload_fingerprint',
    '_source_file', '_source_row', '_load_id',
] %}

{#- On a full build the candidates are read from the base table in each step below (a
    column scan), not held as one CTE: a CTE read three times is materialised. -#}
{%- set candidates %}
    {%- if is_incremental() -%}
        candidates
    {%- else -%}
        (select {{ delivery_columns | join(', ') }}, false as is_staged from {{ ref('base_product__events') }} where rejection_reason is null) as candidates
    {%- endif %}
{%- endset %}

with
{%- if is_incremental() %}

new_deliveries as (

    select * from {{ ref('base_product__events') }}
    where rejection_reason is null
        and {{ pulse_loads_after('select coalesce(max(_load_id), 0) from ' ~ this) }}

),

candidates as (

    select
        {%- for column in delivery_columns %}
        {{ column }},
        {%- endfor %}
        false as is_staged
    from new_deliveries

    union all

    select
        {%- for column in delivery_columns %}
        {{ column }},
        {%- endfor %}
        true as is_staged
    from {{ this }}
    where event_id in (select new_deliveries.event_id from new_deliveries)

),
{%- endif %}

repeated_event_ids as (

    select event_id
    from {{ candidates }}
    group by event_id
    having count(*) > 1

),

single_candidates as (

    select candidates.*
    from {{ candidates }}
    where not exists (
        select 1 from repeated_event_ids
        where repeated_event_ids.event_id = candidates.event_id
    )

),

repeated_candidates as (

    select candidates.*
    from {{ candidates }}
    inner join repeated_event_ids
        on candidates.event_id = repeated_event_ids.event_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by event_id
            order by
                received_at {{ 'desc' if pulse_keeps_latest_delivery() else 'asc' }}, occurred_at asc,
                _payload_fingerprint asc, is_staged desc,
                _source_file asc, _source_row asc
        ) as delivery_rank,
        {%- if is_incremental() %}
        max(case when is_staged then occurred_at end) over (partition by event_id) as staged_occurred_at
        {%- else %}
            cast(null as timestamp) as staged_occurred_at
        {%- endif %}
    from repeated_candidates

),

first_deliveries as (

    select
        {%- for column in delivery_columns %}
            {{ column }},
        {%- endfor %}
        is_staged,
        cast(null as timestamp) as staged_occurred_at
    from single_candidates

    union all

    select
        {%- for column in delivery_columns %}
            {{ column }},
        {%- endfor %}
        is_staged,
        staged_occurred_at
    from ranked
    where delivery_rank = 1

),

final as (

    select
        event_id,
        visitor_id,
        account_id,
        event_type,
        source_event_type,
        event_name,
        feature_id,
        properties,
        coalesce(num_events, 1) as num_events,
        num_minutes,
        occurred_at,
        received_at,
        case when staged_occurred_at <> occurred_at then staged_occurred_at end as _replaced_occurred_at,
        _payload_fingerprint,
        _source_file,
        _source_row,
        _load_id
    from first_deliveries
    where not is_staged

)

select * from final
