with

source as (

    select * from {{ source('product', 'visitors') }}

),

accounts as (

    select account_id from {{ ref('stg_product__accounts') }}

),

cleaned as (

    select
        {{ pulse_raw_and_clean_columns('visitors') }}
        _source_file
    from source

),

parsed as (

    select
        cleaned.*,
        {{ pulse_parse_timestamp('cleaned.created_at_text') }} as created_at,
        accounts.account_id is not null as is_known_account
    from cleaned
    left join accounts
        on cleaned.account_id_text = accounts.account_id

),

reasoned as (

    select
        *,
        {{ pulse_first_missing_required('visitors') }} as missing_column,
        case
            when {{ pulse_first_missing_required('visitors') }} is not null then 'missing_required'
            when created_at_text is not null and created_at is null then 'invalid_timestamp'
            when not is_known_account then 'unknown_account'
        end as row_rejection_reason
    from parsed

),

ranked as (

    select
        *,
        row_number() over (
            partition by visitor_id_text, row_rejection_reason is null
            order by created_at, {{ pulse_row_fingerprint('visitors') }}
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
            when row_rejection_reason = 'invalid_timestamp' then 'created_at'
            when row_rejection_reason = 'unknown_account' then 'account_id'
            when key_occurrence > 1 then 'visitor_id'
        end as rejection_detail
    from ranked

)

select * from final
