with

base as (

    select * from {{ ref('base_support__tickets') }}
    where rejection_reason is null

),

final as (

    select
        ticket_id_text as ticket_id,
        account_id_text as account_id,
        visitor_id_text as visitor_id,
        lower(status_text) as status,
        lower(priority_text) as priority,
        lower(status_text) in ('open', 'pending') as is_open,
        opened_at,
        resolved_at
    from base

)

select * from final
