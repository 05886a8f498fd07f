{#-
    Building blocks shared by the staging models of every raw table. Each base_ model keeps
    the raw text of every contract column as raw_<column>, adds typed columns and a
    rejection_reason (NULL when the row is accepted); the stg_ model keeps accepted rows and
    the _rejected model (pulse_rejected_rows) holds the rest with their raw values.

    Rejection reasons, checked in this order (a row gets the first that applies):
    unparseable_line, missing_required, invalid_timestamp, invalid_number,
    score_out_of_range, invalid_value, occurred_after_received, unknown_visitor,
    unknown_account, duplicate_key.
-#}

{#- raw_<column> (original text) and <column>_text (trimmed, NULL when empty) for every contract column. -#}
{% macro pulse_raw_and_clean_columns(table_name) -%}
    {%- for column in pulse_raw_contract()[table_name]['columns'] %}
        {{ column }} as raw_{{ column }},
        {{ pulse_clean_text(column) }} as {{ column }}_text,
    {%- endfor %}
{%- endmacro %}

{#- The first missing required column, as "missing_required" reason detail. -#}
{% macro pulse_first_missing_required(table_name) -%}
    case
        {%- for column in pulse_raw_contract()[table_name]['required'] %}
        when {{ column }}_text is null then '{{ column }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- Text column checked against the contract's accepted values (lower-cased). -#}
{% macro pulse_is_accepted(table_name, column) -%}
    lower({{ column }}_text) in (
        {%- for value in pulse_raw_contract()[table_name]['accepted'][column] -%}
            '{{ value }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}

{#- A stable fingerprint of a row's raw text, to order exact ties deterministically. -#}
{% macro pulse_row_fingerprint(table_name) -%}
    md5(concat_ws('|',
        {%- for column in pulse_raw_contract()[table_name]['columns'] %}
        coalesce(raw_{{ column }}, '')
        {{- ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{#- The quarantine of a raw table: rejected rows with their raw values, plus the lines of the
    raw file that could not be parsed at all (with file and line number). -#}
{% macro pulse_rejected_rows(source_name, table_name, base_model) -%}
    {%- set columns = pulse_raw_contract()[table_name]['columns'] -%}
with

base as (

    select * from {{ ref(base_model) }}

),

unparseable_lines as (

    select * from {{ source(source_name, table_name ~ '__unparseable') }}

),

rejected_rows as (

    select
        {%- for column in columns %}
        raw_{{ column }} as {{ column }},
        {%- endfor %}
        rejection_reason,
        rejection_detail,
        _source_file,
        cast(null as bigint) as source_line_number,
        cast(null as varchar) as raw_line
    from base
    where rejection_reason is not null

),

rejected_lines as (

    select
        {%- for column in columns %}
        cast(null as varchar) as {{ column }},
        {%- endfor %}
        'unparseable_line' as rejection_reason,
        error_type as rejection_detail,
        _source_file,
        cast(_line_number as bigint) as source_line_number,
        raw_line
    from unparseable_lines

),

final as (

    select * from rejected_rows
    union all
    select * from rejected_lines

)

select * from final
{%- endmacro %}
