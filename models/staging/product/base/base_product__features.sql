with

source as (

    select * from {{ source('product', 'features') }}

),

cleaned as (

    select
        {{ pulse_raw_and_clean_columns('features') }}
        _source_file
    from source

),

parsed as (

    select
        *,
        {{ pulse_parse_boolean('is_core_event_text') }} as is_core_event
    from cleaned

),

reasoned as (

    select
        *,
        case
            when feature_id_text is null then 'missing_required'
            when is_core_event_text is not null and is_core_event is null then 'invalid_value'
        end as row_rejection_reason
    from parsed

),

ranked as (

    select
        *,
        row_number() over (
            partition by feature_id_text, row_rejection_reason is null
            order by {{ pulse_row_fingerprint('features') }}
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
            when row_rejection_reason = 'invalid_value' then 'is_core_event'
            when row_rejection_reason is not null or key_occurrence > 1 then 'feature_id'
        end as rejection_detail
    from ranked

)

select * from final
