{#-
    The native raw table visitors, built from Segment's identifies and groups (var
    source_system: segment): one row per user_id of identifies, every column as text, for
    base_product__visitors to parse, check and quarantine as it would a native file.
    - email, role, created_at: the latest non-empty value (by timestamp, then received_at,
      then id) of the identify trait var segment_identify_traits maps to each.
    - account_id: the group_id of the visitor's latest Group call, the call's user_id, else
      its anonymous_id stitched by an identify (stg_segment__identity_map). A visitor with
      no group has none, and is quarantined (missing_required account_id).
    _source_file / _source_row are the visitor's latest identify.
-#}
{%- set traits = var('segment_identify_traits') %}
{%- set order_by = ['called_at', 'received_at', 'message_id'] %}
{%- set row_order = order_by + ['_source_file', '_source_row'] %}

with

identifies as (

    select * from {{ pulse_source_rows('segment', 'identifies') }}

),

groups as (

    select * from {{ pulse_source_rows('segment', 'groups') }}

),

identity_map as (

    select * from {{ ref('stg_segment__identity_map') }}

),

identify_calls as (

    select
        {{ pulse_clean_text('user_id') }} as user_id,
        {{ pulse_clean_text('id') }} as message_id,
        {{ pulse_parse_timestamp(pulse_clean_text('timestamp')) }} as called_at,
        {{ pulse_parse_timestamp(pulse_clean_text('received_at')) }} as received_at,
        {%- for column in ['email', 'role', 'created_at'] if traits.get(column) %}
            {{ pulse_clean_text(traits[column] | lower) }} as trait_{{ column }},
        {%- endfor %}
        _source_file,
        _source_row,
        _load_id
    from identifies

),

group_calls as (

    select
        coalesce({{ pulse_clean_text('groups.user_id') }}, identity_map.user_id) as user_id,
        {{ pulse_clean_text('groups.group_id') }} as group_id,
        {{ pulse_clean_text('groups.id') }} as message_id,
        {{ pulse_parse_timestamp(pulse_clean_text('groups.timestamp')) }} as called_at,
        {{ pulse_parse_timestamp(pulse_clean_text('groups.received_at')) }} as received_at
    from groups
    left join identity_map
        on {{ pulse_clean_text('groups.anonymous_id') }} = identity_map.anonymous_id

),

latest_groups as (

    select
        user_id,
        {{ pulse_latest_value('group_id', order_by) }} as group_id
    from group_calls
    where user_id is not null
    group by user_id

),

visitors as (

    select
        user_id,
        {%- for column in ['email', 'role', 'created_at'] %}
            {%- if traits.get(column) %}
                {{ pulse_latest_value('trait_' ~ column, order_by) }} as {{ column }},
            {%- else %}
                cast(null as {{ pulse_type('varchar') }}) as {{ column }},
            {%- endif %}
        {%- endfor %}
        {{ pulse_latest_value('_source_file', row_order) }} as _source_file,
        {{ pulse_latest_value('_source_row', row_order) }} as _source_row,
        max(_load_id) as _load_id
    from identify_calls
    where user_id is not null
    group by user_id

),

final as (

    select
        visitors.user_id as visitor_id,
        latest_groups.group_id as account_id,
        visitors.email,
        visitors.role,
        visitors.created_at,
        visitors._source_file,
        visitors._source_row,
        visitors._load_id
    from visitors
    left join latest_groups
        on visitors.user_id = latest_groups.user_id

)

select * from final
