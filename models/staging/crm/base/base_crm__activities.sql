with

source as (

    select * from {{ source('crm', 'crm_activities') }}

),

accounts as (

    select account_id from {{ ref('stg_product__accounts') }}

),

cleaned as (

    select
        {{ pulse_raw_and_clean_columns('crm_activities') }}
        _source_file
    from source

),

parsed as (

    select
        cleaned.*,
        {{ pulse_parse_timestamp('cleaned.occurred_at_text') }} as occurred_at,
        accounts.account_id is not null as is_known_account
    from cleaned
    left join accounts
        on cleaned.account_id_text = accounts.account_id

),

checked as (

    select
        *,
        {{ pulse_first_missing_required('crm_activities') }} as missing_column,
        case
            when
                activity_type_text is not null
                and not {{ pulse_is_accepted('crm_activities', 'activity_type') }}
                then 'activity_type'
            when
                sentiment_text is not null
                and not {{ pulse_is_accepted('crm_activities', 'sentiment') }}
                then 'sentiment'
        end as invalid_value_column
    from parsed

),

reasoned as (

    select
        *,
        case
            when missing_column is not null then 'missing_required'
            when occurred_at is null then 'invalid_timestamp'
            when invalid_value_column is not null then 'invalid_value'
            when not is_known_account then 'unknown_account'
        end as row_rejection_reason
    from checked

),

ranked as (

    select
        *,
        row_number() over (
            partition by activity_id_text, row_rejection_reason is null
            order by occurred_at, {{ pulse_row_fingerprint('crm_activities') }}
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
            when row_rejection_reason = 'invalid_timestamp' then 'occurred_at'
            when row_rejection_reason = 'invalid_value' then invalid_value_column
            when row_rejection_reason = 'unknown_account' then 'account_id'
            when key_occurrence > 1 then 'activity_id'
        end as rejection_detail
    from ranked

)

select * from final
