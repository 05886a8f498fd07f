with

base as (

    select * from {{ ref('base_crm__activities') }}
    where rejection_reason is null

),

final as (

    select
        activity_id,
        account_id,
        lower(activity_type) as activity_type,
        lower(sentiment) as sentiment,
        occurred_at,
        _source_file,
        _source_row,
        _load_id
    from base

)

select * from final
