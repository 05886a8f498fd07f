with

base as (

    select * from {{ ref('base_crm__activities') }}
    where rejection_reason is null

),

final as (

    select
        activity_id_text as activity_id,
        account_id_text as account_id,
        lower(activity_type_text) as activity_type,
        lower(sentiment_text) as sentiment,
        occurred_at
    from base

)

select * from final
