with

base as (

    select * from {{ ref('base_product__visitors') }}
    where rejection_reason is null

),

final as (

    select
        visitor_id_text as visitor_id,
        account_id_text as account_id,
        lower(email_text) as email,
        lower(role_text) as role,
        created_at
    from base

)

select * from final
