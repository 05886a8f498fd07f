with

source as (

    select * from {{ source('support', 'support_tickets') }}

),

visitors as (

    select visitor_id from {{ ref('stg_product__visitors') }}

),

accounts as (

    select account_id from {{ ref('stg_product__accounts') }}

),

cleaned as (

    select
        {{ pulse_raw_and_clean_columns('support_tickets') }}
        _source_file
    from source

),

parsed as (

    select
        cleaned.*,
        {{ pulse_parse_timestamp('cleaned.opened_at_text') }} as opened_at,
        {{ pulse_parse_timestamp('cleaned.resolved_at_text') }} as resolved_at,
        visitors.visitor_id is not null as is_known_visitor,
        accounts.account_id is not null as is_known_account
    from cleaned
    left join visitors
        on cleaned.visitor_id_text = visitors.visitor_id
    left join accounts
        on cleaned.account_id_text = accounts.account_id

),

reasoned as (

    select
        *,
        {{ pulse_first_missing_required('support_tickets') }} as missing_column,
        case
            when {{ pulse_first_missing_required('support_tickets') }} is not null then 'missing_required'
            when opened_at is null then 'invalid_timestamp'
            when resolved_at_text is not null and resolved_at is null then 'invalid_timestamp'
            when status_text is not null and not {{ pulse_is_accepted('support_tickets', 'status') }}
                then 'invalid_value'
            when not is_known_account then 'unknown_account'
            when visitor_id_text is not null and not is_known_visitor then 'unknown_visitor'
        end as row_rejection_reason
    from parsed

),

ranked as (

    select
        *,
        row_number() over (
            partition by ticket_id_text, row_rejection_reason is null
            order by opened_at, {{ pulse_row_fingerprint('support_tickets') }}
        ) as key_occurrence
    from reasoned

),

final as (

    select
        *,
        coalesce(
            row_rejection_reason,
            case when key_occurrence > 1 then 'duplicate_key' end
        ) as rejection_reason,
        case
            when row_rejection_reason = 'missing_required' then missing_column
            when row_rejection_reason = 'invalid_timestamp' and opened_at is null then 'opened_at'
            when row_rejection_reason = 'invalid_timestamp' then 'resolved_at'
            when row_rejection_reason = 'invalid_value' then 'status'
            when row_rejection_reason = 'unknown_account' then 'account_id'
            when row_rejection_reason = 'unknown_visitor' then 'visitor_id'
            when key_occurrence > 1 then 'ticket_id'
        end as rejection_detail
    from ranked

)

select * from final
