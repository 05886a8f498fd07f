with

base as (

    select * from {{ ref('base_product__accounts') }}
    where rejection_reason is null

),

final as (

    select
        account_id_text as account_id,
        account_name_text as account_name,
        parent_account_id_text as parent_account_id,
        lower(plan_tier_text) as plan_tier,
        industry_text as industry,
        region_text as region,
        csm_owner_text as csm_owner,
        arr_usd,
        seats_purchased,
        renewal_date,
        created_at,
        churned_at
    from base

)

select * from final
