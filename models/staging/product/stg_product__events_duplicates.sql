with

base as (

    select * from {{ ref('base_product__events') }}
    where rejection_reason is null and delivery_number > 1

),

final as (

    select
        event_id_text as event_id,
        delivery_number,
        visitor_id_text as visitor_id,
        occurred_at,
        received_at,
        _source_file
    from base

)

select * from final
