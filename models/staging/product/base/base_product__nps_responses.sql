with

source as (

    select * from {{ source('product', 'nps_responses') }}

),

visitors as (

    select
        visitor_id,
        account_id
    from {{ ref('stg_product__visitors') }}

),

accounts as (

    select account_id from {{ ref('stg_product__accounts') }}

),

cleaned as (

    select
        {{ pulse_raw_and_clean_columns('nps_responses') }}
        _source_file
    from source

),

parsed as (

    select
        cleaned.*,
        {{ pulse_parse_integer('cleaned.score_text') }} as score,
        {{ pulse_parse_timestamp('cleaned.responded_at_text') }} as responded_at,
        visitors.visitor_id is not null as is_known_visitor,
        visitors.account_id as visitor_account_id,
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
        {{ pulse_first_missing_required('nps_responses') }} as missing_column,
        case
            when {{ pulse_first_missing_required('nps_responses') }} is not null then 'missing_required'
            when responded_at is null then 'invalid_timestamp'
            when score is null then 'invalid_number'
            when score < {{ var('nps_score_min') }} or score > {{ var('nps_score_max') }}
                then 'score_out_of_range'
            when not is_known_visitor then 'unknown_visitor'
            when account_id_text is not null and not is_known_account then 'unknown_account'
        end as row_rejection_reason
    from parsed

),

ranked as (

    select
        *,
        row_number() over (
            partition by response_id_text, row_rejection_reason is null
            order by responded_at, {{ pulse_row_fingerprint('nps_responses') }}
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
            when row_rejection_reason = 'invalid_timestamp' then 'responded_at'
            when row_rejection_reason in ('invalid_number', 'score_out_of_range') then 'score'
            when row_rejection_reason = 'unknown_visitor' then 'visitor_id'
            when row_rejection_reason = 'unknown_account' then 'account_id'
            when key_occurrence > 1 then 'response_id'
        end as rejection_detail
    from ranked

)

select * from final
