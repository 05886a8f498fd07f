with

base as (

    select * from {{ ref('base_product__nps_responses') }}
    where rejection_reason is null

),

final as (

    select
        response_id,
        visitor_id,
        account_id,
        comment,
        score,
        responded_at,
        _source_file,
        _source_row,
        _load_id
    from base

)

select * from final
