with

base as (

    select * from {{ ref('base_product__nps_responses') }}
    where rejection_reason is null

),

final as (

    select
        response_id_text as response_id,
        visitor_id_text as visitor_id,
        coalesce(account_id_text, visitor_account_id) as account_id,
        comment_text as comment,
        score,
        responded_at
    from base

)

select * from final
