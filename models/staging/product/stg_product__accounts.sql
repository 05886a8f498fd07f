with

base as (

    select * from {{ ref('base_product__accounts') }}
    where rejection_reason is null

),

final as (

    select
        account_id,
        account_name,
        parent_account_id,
        lower(plan_tier) as plan_tier,
        industry,
        region,
        csm_owner,
        arr_usd,
        seats_purchased,
        renewal_date,
        created_at,
        churned_at
    from base

)

select * from final
