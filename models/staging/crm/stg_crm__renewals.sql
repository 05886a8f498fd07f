with

base as (

    select * from {{ ref('base_crm__renewals') }}
    where rejection_reason is null

),

final as (

    select
        account_id,
        lower(outcome) as outcome,
        arr_before_usd,
        arr_after_usd,
        renewal_date,
        _source_file,
        _source_row,
        _load_id
    from base

)

select * from final
