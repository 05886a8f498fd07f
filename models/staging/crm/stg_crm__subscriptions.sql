with

base as (

    select * from {{ ref('base_crm__subscriptions') }}
    where rejection_reason is null

),

final as (

    select
        subscription_id,
        account_id,
        lower(trim(product)) as product,
        lower(plan_tier) as plan_tier,
        seats,
        arr_usd,
        started_at,
        ended_at,
        _source_file,
        _source_row,
        _load_id
    from base

)

select * from final
