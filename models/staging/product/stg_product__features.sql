with

base as (

    select * from {{ ref('base_product__features') }}
    where rejection_reason is null

),

final as (

    select
        feature_id,
        feature_name,
        lower(product_area) as product_area,
        coalesce(is_core_event, false) as is_core_event,
        lower(trim(product)) as product,
        track_event
    from base

)

select * from final
