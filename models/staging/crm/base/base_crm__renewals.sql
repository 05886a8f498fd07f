with

source as (

    select * from {{ source('crm', 'renewals') }}

),

accounts as (

    select account_id from {{ ref('stg_product__accounts') }}

),

cleaned as (

    select
        {{ pulse_raw_and_clean_columns('renewals') }}
        _source_file
    from source

),

parsed as (

    select
        cleaned.*,
        {{ pulse_parse_date('cleaned.renewal_date_text') }} as renewal_date,
        {{ pulse_parse_number('cleaned.arr_before_usd_text') }} as arr_before_usd,
        {{ pulse_parse_number('cleaned.arr_after_usd_text') }} as arr_after_usd,
        accounts.account_id is not null as is_known_account
    from cleaned
    left join accounts
        on cleaned.account_id_text = accounts.account_id

),

checked as (

    select
        *,
        {{ pulse_first_missing_required('renewals') }} as missing_column,
        case
            when arr_before_usd_text is not null and arr_before_usd is null then 'arr_before_usd'
            when arr_after_usd_text is not null and arr_after_usd is null then 'arr_after_usd'
        end as invalid_number_column
    from parsed

),

reasoned as (

    select
        *,
        case
            when missing_column is not null then 'missing_required'
            when renewal_date is null then 'invalid_timestamp'
            when invalid_number_column is not null then 'invalid_number'
            when not {{ pulse_is_accepted('renewals', 'outcome') }} then 'invalid_value'
            when not is_known_account then 'unknown_account'
        end as row_rejection_reason
    from checked

),

ranked as (

    select
        *,
        row_number() over (
            partition by account_id_text, renewal_date, row_rejection_reason is null
            order by {{ pulse_row_fingerprint('renewals') }}
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
            when row_rejection_reason = 'invalid_timestamp' then 'renewal_date'
            when row_rejection_reason = 'invalid_number' then invalid_number_column
            when row_rejection_reason = 'invalid_value' then 'outcome'
            when row_rejection_reason = 'unknown_account' then 'account_id'
            when key_occurrence > 1 then 'account_id, renewal_date'
        end as rejection_detail
    from ranked

)

select * from final
