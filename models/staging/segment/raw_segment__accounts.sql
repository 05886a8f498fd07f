{#-
    The native raw table accounts, built from Segment's groups (var source_system: segment):
    one row per group_id, every column as text, for base_product__accounts to parse, check
    and quarantine as it would a native file. Each account column is the latest non-empty
    value (by timestamp, then received_at, then id) of the group trait var
    segment_group_traits maps to it: a Group call without a trait does not clear it.
    created_at is the trait, else the group's first call; a date column (renewal_date) given
    as a timestamp reads as its UTC date. _source_file / _source_row are the group's latest
    call.
-#}
{%- set traits = var('segment_group_traits') %}
{%- set native_types = pulse_raw_contract().get('accounts', {}).get('types', {}) %}
{%- set account_columns = [
    'account_name', 'parent_account_id', 'plan_tier', 'arr_usd', 'seats_purchased', 'industry',
    'region', 'csm_owner', 'created_at', 'renewal_date', 'churned_at',
] %}
{%- set order_by = ['called_at', 'received_at', 'message_id'] %}
{#- the file and row of the latest call: one order, so both name the same row -#}
{%- set row_order = order_by + ['_source_file', '_source_row'] %}

with

groups as (

    select * from {{ pulse_source_rows('segment', 'groups') }}

),

cleaned as (

    select
        {{ pulse_clean_text('group_id') }} as group_id,
        {{ pulse_clean_text('id') }} as message_id,
        {{ pulse_clean_text('timestamp') }} as timestamp_text,
        {{ pulse_clean_text('received_at') }} as received_at_text,
        {%- for column in account_columns if traits.get(column) %}
            {{ pulse_clean_text(traits[column] | lower) }} as trait_{{ column }},
        {%- endfor %}
        _source_file,
        _source_row,
        _load_id
    from groups

),

calls as (

    select
        *,
        {{ pulse_parse_timestamp('timestamp_text') }} as called_at,
        {{ pulse_parse_timestamp('received_at_text') }} as received_at
    from cleaned
    where group_id is not null

),

final as (

    select
        group_id as account_id,
        {%- for column in account_columns %}
            {%- if column == 'created_at' %}
                coalesce(
                    {{ pulse_latest_value('trait_created_at', order_by) if traits.get('created_at') else 'null' }},
                    {{ pulse_timestamp_text('min(called_at)') }}
                ) as created_at,
            {%- elif traits.get(column) and native_types.get(column) == 'date' %}
                {{ pulse_source_date_text(pulse_latest_value('trait_' ~ column, order_by)) }} as {{ column }},
            {%- elif traits.get(column) %}
                {{ pulse_latest_value('trait_' ~ column, order_by) }} as {{ column }},
            {%- else %}
                cast(null as {{ pulse_type('varchar') }}) as {{ column }},
            {%- endif %}
        {%- endfor %}
        {{ pulse_latest_value('_source_file', row_order) }} as _source_file,
        {{ pulse_latest_value('_source_row', row_order) }} as _source_row,
        max(_load_id) as _load_id
    from calls
    group by group_id

)

select * from final
