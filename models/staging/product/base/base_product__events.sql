{#- Every raw event, typed and checked. Duplicate deliveries of an accepted event are ranked
    by received_at (earliest first): delivery_number 1 is staged, later ones are counted as
    duplicates removed.
    A table, not a view: the staged events, their quarantine, the duplicates and their tests
    all read it, and parsing plus ranking every raw event once is the expensive step. -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('product', 'events') }}

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
        {{ pulse_raw_and_clean_columns('events') }}
        _source_file
    from source

),

parsed as (

    select
        cleaned.*,
        {{ pulse_parse_timestamp('cleaned.occurred_at_text') }} as occurred_at,
        {{ pulse_parse_timestamp('cleaned.received_at_text') }} as parsed_received_at,
        visitors.visitor_id is not null as is_known_visitor,
        visitors.account_id as visitor_account_id,
        accounts.account_id is not null as is_known_account
    from cleaned
    left join visitors
        on cleaned.visitor_id_text = visitors.visitor_id
    left join accounts
        on cleaned.account_id_text = accounts.account_id

),

checked as (

    select
        *,
        coalesce(parsed_received_at, occurred_at) as received_at,
        {{ pulse_first_missing_required('events') }} as missing_column,
        case
            when occurred_at is null then 'occurred_at'
            when received_at_text is not null and parsed_received_at is null then 'received_at'
        end as invalid_timestamp_column
    from parsed

),

reasoned as (

    select
        *,
        case
            when missing_column is not null then 'missing_required'
            when invalid_timestamp_column is not null then 'invalid_timestamp'
            when occurred_at > {{ dbt.dateadd('day', var('max_event_delay_days'), 'received_at') }}
                then 'occurred_after_received'
            when not is_known_visitor then 'unknown_visitor'
            when account_id_text is not null and not is_known_account then 'unknown_account'
        end as rejection_reason
    from checked

),

final as (

    select
        *,
        case
            when rejection_reason = 'missing_required' then missing_column
            when rejection_reason = 'invalid_timestamp' then invalid_timestamp_column
            when rejection_reason = 'occurred_after_received' then 'occurred_at'
            when rejection_reason = 'unknown_visitor' then 'visitor_id'
            when rejection_reason = 'unknown_account' then 'account_id'
        end as rejection_detail,
        case
            when rejection_reason is null
                then row_number() over (
                    partition by event_id_text, rejection_reason is null
                    order by received_at, occurred_at, {{ pulse_row_fingerprint('events') }}
                )
        end as delivery_number
    from reasoned

)

select * from final
