with

source as (

    select * from {{ source('product', 'accounts') }}

),

cleaned as (

    select
        {{ pulse_raw_and_clean_columns('accounts') }}
        _source_file
    from source

),

parsed as (

    select
        *,
        {{ pulse_parse_number('arr_usd_text') }} as arr_usd,
        {{ pulse_parse_integer('seats_purchased_text') }} as seats_purchased,
        {{ pulse_parse_timestamp('created_at_text') }} as created_at,
        {{ pulse_parse_date('renewal_date_text') }} as renewal_date,
        {{ pulse_parse_timestamp('churned_at_text') }} as churned_at
    from cleaned

),

checked as (

    select
        *,
        {{ pulse_first_missing_required('accounts') }} as missing_column,
        case
            when created_at is null then 'created_at'
            when renewal_date_text is not null and renewal_date is null then 'renewal_date'
            when churned_at_text is not null and churned_at is null then 'churned_at'
        end as invalid_timestamp_column,
        case
            when arr_usd_text is not null and arr_usd is null then 'arr_usd'
            when seats_purchased_text is not null and seats_purchased is null then 'seats_purchased'
        end as invalid_number_column
    from parsed

),

reasoned as (

    select
        *,
        case
            when missing_column is not null then 'missing_required'
            when invalid_timestamp_column is not null then 'invalid_timestamp'
            when invalid_number_column is not null then 'invalid_number'
        end as row_rejection_reason,
        coalesce(missing_column, invalid_timestamp_column, invalid_number_column) as row_rejection_detail
    from checked

),

ranked as (

    select
        *,
        row_number() over (
            partition by account_id_text, row_rejection_reason is null
            order by created_at, {{ pulse_row_fingerprint('accounts') }}
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
        coalesce(
            row_rejection_detail,
            case when key_occurrence > 1 then 'account_id' end
        ) as rejection_detail
    from ranked

)

select * from final
