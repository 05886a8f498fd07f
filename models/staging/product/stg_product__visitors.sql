with

base as (

    select * from {{ ref('base_product__visitors') }}
    where rejection_reason is null

),

final as (

    select
        visitor_id,
        account_id,
        lower(email) as email,
        lower(role) as role,
        created_at,
        _source_file,
        _source_row,
        _load_id
    from base

)

select * from final
