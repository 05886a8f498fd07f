with

base as (

    select * from {{ ref('base_support__tickets') }}
    where rejection_reason is null

),

final as (

    select
        ticket_id,
        account_id,
        visitor_id,
        lower(status) as status,
        lower(priority) as priority,
        lower(status) in ('open', 'pending') as is_open,
        opened_at,
        resolved_at,
        _source_file,
        _source_row,
        _load_id
    from base

)

select * from final
