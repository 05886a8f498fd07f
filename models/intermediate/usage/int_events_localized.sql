{#- The activity rows of int_events (events, or aggregated rows: num_events, num_minutes) with
    their calendar day and clock minute in var('timezone'). -#}
with

events as (

    select * from {{ ref('int_events') }}

),

features as (

    select * from {{ ref('int_features') }}

),

localized as (

    select
        events.event_id,
        events.visitor_id,
        events.account_id,
        events.event_type,
        events.event_name,
        events.feature_id,
        events.occurred_at,
        events.received_at,
        events.num_events,
        events.num_minutes,
        events._load_id,
        cast({{ pulse_local_timestamp('events._replaced_occurred_at') }} as date) as _replaced_activity_date,
        {{ pulse_local_timestamp('events.occurred_at') }} as occurred_at_local,
        events.event_type in ({{ pulse_sql_list(var('activity_event_types')) }}) as is_activity,
        events.event_type = 'feature_click' and events.feature_id is not null as is_feature_click,
        coalesce(features.is_core_event, false) as is_core_feature
    from events
    left join features
        on events.feature_id = features.feature_id

),

final as (

    select
        event_id,
        visitor_id,
        account_id,
        event_type,
        event_name,
        feature_id,
        occurred_at,
        received_at,
        num_events,
        num_minutes,
        occurred_at_local,
        cast(occurred_at_local as date) as activity_date,
        {{ dbt.date_trunc('minute', 'occurred_at_local') }} as activity_minute,
        is_activity,
        is_feature_click,
        is_core_feature,
        _load_id,
        _replaced_activity_date
    from localized

)

select * from final
