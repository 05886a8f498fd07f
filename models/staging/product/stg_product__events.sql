with

base as (

    select * from {{ ref('base_product__events') }}
    where rejection_reason is null and delivery_number = 1

),

final as (

    select
        event_id_text as event_id,
        visitor_id_text as visitor_id,
        coalesce(account_id_text, visitor_account_id) as account_id,
        case
            when lower(event_type_text) in (
                {%- for event_type in pulse_raw_contract()['events']['accepted']['event_type'] -%}
                    '{{ event_type }}'{{ ', ' if not loop.last }}
                {%- endfor -%}
            ) then lower(event_type_text)
            else 'other'
        end as event_type,
        event_type_text as source_event_type,
        event_name_text as event_name,
        feature_id_text as feature_id,
        properties_text as properties,
        occurred_at,
        received_at
    from base

)

select * from final
