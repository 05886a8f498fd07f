{#-
    The staging of every raw table is generated from the raw contract (raw_contract.sql):
    a base_ model is `{{ pulse_base_model('<source>', '<table>') }}`, a _rejected model is
    `{{ pulse_rejected_rows('<source>', '<table>', '<base model>') }}`.

    A base_ model keeps every raw row with its typed columns (named as in the contract), its
    original text as raw_<column> (for rejected rows only: the quarantine shows it), and a
    rejection_reason / rejection_detail (the column at fault), NULL when the row is accepted.
    Reasons, checked in this order (a row gets the first that applies):
      missing_required, invalid_timestamp, invalid_number, invalid_value (a boolean, a NUL
      character in text, or a value not in accepted_values), <out_of_range> (e.g. score_out_of_range), invalid_value (below
      `min`), implausible_timestamp (before var plausible_min_date or more than
      var max_future_days after the run), occurred_after_received, unknown_<referenced table>,
      references_rejected_row (the referenced row exists but is quarantined, or its key appears
      in a quarantined unparseable line of that table), account_mismatch (an account_id given
      next to a visitor of another account: a `default_via` column that disagrees with the row
      it is taken from), duplicate_key.
    unparseable_line comes from the landing step (lines that are not CSV at all).
-#}

{#- The staged model of a raw table: stg_<source>__<table without its source prefix>. -#}
{% macro pulse_staged_model(table_name) -%}
    {%- set spec = pulse_raw_contract()[table_name] -%}
    {%- set entity = table_name[spec['source'] | length + 1:] if table_name.startswith(spec['source'] ~ '_') else table_name -%}
    {{ return('stg_' ~ spec['source'] ~ '__' ~ entity) }}
{%- endmacro %}

{% macro pulse_base_model_name(table_name) -%}
    {{ return(pulse_staged_model(table_name) | replace('stg_', 'base_', 1)) }}
{%- endmacro %}

{#- The reason for a missing reference: unknown_account, unknown_visitor, ... -#}
{% macro pulse_unknown_reason(table_name) -%}
    {{ return('unknown_' ~ (table_name[:-1] if table_name.endswith('s') else table_name)) }}
{%- endmacro %}

{#- Parse <column>_text as the contract type. -#}
{% macro pulse_typed(column, data_type, meta) -%}
    {%- set text = column ~ '_text' -%}
    {%- if data_type == 'timestamp' -%}{{ pulse_parse_timestamp(text) }}
    {%- elif data_type == 'date' -%}{{ pulse_parse_date(text) }}
    {%- elif data_type == 'number' -%}{{ pulse_parse_number(text) }}
    {%- elif data_type == 'integer' -%}{{ pulse_parse_integer(text) }}
    {%- elif data_type == 'boolean' -%}{{ pulse_parse_boolean(text) }}
    {%- elif meta.get('other_value') -%}
        case
            when lower({{ text }}) in ({{ pulse_sql_list(meta['accepted_values']) }}) then lower({{ text }})
            when {{ text }} is not null then '{{ meta['other_value'] }}'
        end
    {%- else -%}{{ text }}
    {%- endif -%}
{%- endmacro %}

{#- Text holding a NUL character. PostgreSQL text cannot hold one (pulse load drops them), so
    there the check is false. -#}
{% macro pulse_has_nul_character(expr) -%}
    {{ return(adapter.dispatch('pulse_has_nul_character', 'customer_pulse')(expr)) }}
{%- endmacro %}

{% macro default__pulse_has_nul_character(expr) -%}
    {{ return('false') }}
{%- endmacro %}

{% macro duckdb__pulse_has_nul_character(expr) -%}
    {{ return('contains(' ~ expr ~ ', chr(0))') }}
{%- endmacro %}

{% macro spark__pulse_has_nul_character(expr) -%}
    {{ return('instr(' ~ expr ~ ', char(0)) > 0') }}
{%- endmacro %}

{#- Ordered (reason, column, condition) checks of one table, from the contract. -#}
{% macro pulse_row_checks(table_name) %}
    {%- set spec = pulse_raw_contract()[table_name] -%}
    {%- set checks = [] -%}
    {%- for column in spec['required'] -%}
        {%- do checks.append(['missing_required', column, column ~ '_text is null']) -%}
    {%- endfor -%}
    {%- for kind, reason in [(['timestamp', 'date'], 'invalid_timestamp'), (['number', 'integer'], 'invalid_number'), (['boolean'], 'invalid_value')] -%}
        {%- for column in spec['columns'] if spec['types'][column] in kind -%}
            {%- do checks.append([reason, column, column ~ '_text is not null and parsed_' ~ column ~ ' is null']) -%}
        {%- endfor -%}
    {%- endfor -%}
    {#- a NUL character would travel into every export -#}
    {%- for column in spec['columns'] if spec['types'][column] == 'text' -%}
        {%- do checks.append(['invalid_value', column, pulse_has_nul_character(column ~ '_text')]) -%}
    {%- endfor -%}
    {%- for column in spec['columns'] -%}
        {%- set meta = spec['meta'][column] -%}
        {%- if meta.get('accepted_values') and not meta.get('other_value') -%}
            {%- do checks.append(['invalid_value', column, column ~ '_text is not null and lower(' ~ column ~ '_text) not in (' ~ pulse_sql_list(meta['accepted_values']) ~ ')']) -%}
        {%- endif -%}
        {%- if meta.get('min_var') -%}
            {%- do checks.append([meta.get('out_of_range', 'invalid_value'), column,
                column ~ ' < ' ~ var(meta['min_var']) ~ ' or ' ~ column ~ ' > ' ~ var(meta['max_var'])]) -%}
        {%- endif -%}
        {%- if meta.get('min') is not none -%}
            {%- do checks.append(['invalid_value', column, column ~ ' < ' ~ meta['min']]) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- dates (renewal dates) may lie ahead; timestamps record what happened -#}
    {%- for column in spec['columns'] if spec['types'][column] in ['timestamp', 'date'] -%}
        {%- do checks.append(['implausible_timestamp', column,
            column ~ ' < cast(' ~ pulse_quote(var('plausible_min_date')) ~ ' as date)'
            ~ ((' or ' ~ column ~ ' > ' ~ dbt.dateadd('day', var('max_future_days'), pulse_run_started_at()))
               if spec['types'][column] == 'timestamp' else '')]) -%}
    {%- endfor -%}
    {%- for column in spec['columns'] if spec['meta'][column].get('not_after') -%}
        {%- set rule = spec['meta'][column]['not_after'] -%}
        {%- do checks.append([rule['reason'], column,
            column ~ ' > ' ~ dbt.dateadd('day', var(rule['days_var']), rule['column'])]) -%}
    {%- endfor -%}
    {%- for column in spec['columns'] if spec['meta'][column].get('references') -%}
        {%- set referenced = spec['meta'][column]['references'] -%}
        {%- do checks.append([pulse_unknown_reason(referenced), column,
            column ~ ' is not null and ref_' ~ column ~ '.status is null']) -%}
        {%- do checks.append(['references_rejected_row', column,
            column ~ " is not null and ref_" ~ column ~ ".status = 'rejected'"]) -%}
    {%- endfor -%}
    {%- for column in spec['columns'] if spec['meta'][column].get('default_via') -%}
        {%- set via = spec['meta'][column]['default_via'] -%}
        {%- do checks.append([column | replace('_id', '') ~ '_mismatch', column,
            column ~ ' is not null and ref_' ~ via ~ '.default_' ~ column ~ ' is not null and '
            ~ column ~ ' <> ref_' ~ via ~ '.default_' ~ column]) -%}
    {%- endfor -%}
    {{ return(checks) }}
{% endmacro %}


{#- Every field of the unparseable lines of a raw table (split at commas and line breaks,
    trimmed of blanks and quotes), one row each: field_value. -#}
{% macro pulse_unparseable_fields(relation) -%}
    {{ return(adapter.dispatch('pulse_unparseable_fields', 'customer_pulse')(relation)) }}
{%- endmacro %}

{% macro default__pulse_unparseable_fields(relation) -%}
    select distinct field_value
    from (
        select trim(both ' "' from regexp_split_to_table(raw_line, '[,\r\n]')) as field_value
        from {{ relation }}
    ) as split_fields
    where field_value <> ''
{%- endmacro %}

{% macro duckdb__pulse_unparseable_fields(relation) -%}
    select distinct field_value
    from (
        select trim(unnest(regexp_split_to_array(raw_line, '[,\r\n]')), ' "') as field_value
        from {{ relation }}
    ) as split_fields
    where field_value <> ''
{%- endmacro %}

{% macro spark__pulse_unparseable_fields(relation) -%}
    select distinct field_value
    from (
        select trim(both ' "' from field_value) as field_value
        from {{ relation }}
        lateral view explode(split(raw_line, '[,\\r\\n]')) split_line as field_value
    ) as split_fields
    where field_value <> ''
{%- endmacro %}


{#- A base_ model: one raw table parsed and checked (see the top of this file). Tables with
    `incremental: true` in their contract are appended to: each run parses only the rows of
    the files landed since the last run. -#}
{% macro pulse_base_model(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        select 1 as parsing
    {%- else -%}
    {%- set spec = pulse_raw_contract()[table_name] -%}
    {%- set table = spec['contract'] -%}
    {%- set columns = spec['columns'] -%}
    {%- set checks = pulse_row_checks(table_name) -%}
    {%- set referencing = columns | select('in', spec['meta'] | dictsort | selectattr('1.references') | map(attribute='0') | list) | list -%}
    {%- set payload = columns | reject('in', table['key'] + [table.get('keep_first_by')]) | list -%}
with

source as (

    select * from {{ relation }}
    {%- if table.get('incremental') and is_incremental() %}
    where _load_id > (select coalesce(max(_load_id), 0) from {{ this }})
    {%- endif %}

),
{%- for column in referencing %}
{%- set referenced = spec['meta'][column]['references'] %}
{%- set key = pulse_raw_contract()[referenced]['contract']['key'][0] %}

ref_{{ column }} as (

    {#- the referenced table's keys: staged rows, and quarantined ones not staged under the same
        key, including every field of its unparseable lines (the key of a line that is not CSV
        cannot be told apart from its other fields; a row naming any of them is told the truth:
        what it references was quarantined) -#}
    select
        key_value,
        {%- for other in columns if spec['meta'][other].get('default_via') == column %}
        max(default_{{ other }}) as default_{{ other }},
        {%- endfor %}
        max(status) as status
    from (
        select
            {{ key }} as key_value,
            {%- for other in columns if spec['meta'][other].get('default_via') == column %}
            case when rejection_reason is null then {{ other }} end as default_{{ other }},
            {%- endfor %}
            case when rejection_reason is null then 'staged' else 'rejected' end as status
        from {{ ref(pulse_base_model_name(referenced)) }}
        where {{ key }} is not null
        union all
        select
            field_value as key_value,
            {%- for other in columns if spec['meta'][other].get('default_via') == column %}
            cast(null as {{ pulse_type('varchar') }}) as default_{{ other }},
            {%- endfor %}
            'rejected' as status
        from ({{ pulse_unparseable_fields(source(pulse_raw_contract()[referenced]['source'], referenced ~ '__unparseable')) }}) as fields
    ) as keys
    group by key_value

),
{%- endfor %}

cleaned as (

    select
        {%- for column in columns %}
        {{ column }} as raw_{{ column }},
        {{ pulse_clean_text(column) }} as {{ column }}_text,
        {%- endfor %}
        _source_file,
        _source_row,
        _load_id
    from source

),

parsed as (

    select
        *,
        {%- for column in columns %}
        {{ pulse_typed(column, spec['types'][column], spec['meta'][column]) }} as parsed_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from cleaned

),

typed as (

    select
        parsed.*,
        {%- for column in columns %}
        {%- set default = spec['meta'][column].get('default') %}
        {%- if default %}
        coalesce(parsed_{{ column }}, parsed_{{ default }}) as {{ column }}{{ ',' if not loop.last }}
        {%- else %}
        parsed_{{ column }} as {{ column }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from parsed

),

checked as (

    select
        typed.*,
        {%- for column in columns if spec['meta'][column].get('default_via') %}
        ref_{{ spec['meta'][column]['default_via'] }}.default_{{ column }},
        {%- endfor %}
        case
            {%- for check in checks %}
            when {{ check[2] }} then '{{ check[0] }}'
            {%- endfor %}
        end as row_rejection_reason,
        case
            {%- for check in checks %}
            when {{ check[2] }} then '{{ check[1] }}'
            {%- endfor %}
        end as row_rejection_detail
    from typed
    {%- for column in referencing %}
    left join ref_{{ column }}
        on typed.{{ column }} = ref_{{ column }}.key_value
    {%- endfor %}

),

ranked as (

    select
        *,
        md5(concat_ws('|',
            {%- for column in payload %}
            coalesce(cast({{ column }} as {{ pulse_type('varchar') }}), '')
            {{- ',' if not loop.last }}
            {%- endfor %}
        )) as _payload_fingerprint,
        {%- if table.get('duplicates') == 'deliveries' %}
        {#- re-deliveries are ranked by the staging model, across runs -#}
        1 as key_occurrence
        {%- else %}
        row_number() over (
            partition by {{ table['key'] | join(', ') }}, row_rejection_reason is null
            order by {{ (table['keep_first_by'] ~ ', ') if table.get('keep_first_by') }}
                {%- for column in columns %} raw_{{ column }}{{ ',' if not loop.last }}{% endfor %}
        ) as key_occurrence
        {%- endif %}
    from checked

),

final as (

    select
        {%- for column in columns %}
        {%- if spec['meta'][column].get('default_via') %}
        coalesce({{ column }}, default_{{ column }}) as {{ column }},
        {%- else %}
        {{ column }},
        {%- endif %}
        {%- if spec['meta'][column].get('other_value') %}
        {{ column }}_text as source_{{ column }},
        {%- endif %}
        {%- endfor %}
        coalesce(
            row_rejection_reason,
            case when key_occurrence > 1 then 'duplicate_key' end
        ) as rejection_reason,
        coalesce(
            row_rejection_detail,
            case when key_occurrence > 1 then '{{ table['key'] | join(', ') }}' end
        ) as rejection_detail,
        {%- for column in columns %}
        case when row_rejection_reason is not null or key_occurrence > 1 then raw_{{ column }} end
            as raw_{{ column }},
        {%- endfor %}
        _payload_fingerprint,
        _source_file,
        _source_row,
        _load_id
    from ranked

)

select * from final
    {%- endif -%}
{%- endmacro %}


{#- The quarantine of a raw table: rejected rows with their raw values, plus the lines of the
    raw file that could not be parsed at all (with file and line number). -#}
{% macro pulse_rejected_rows(source_name, table_name, base_model) -%}
    {%- set base_relation = ref(base_model) -%}
    {%- set unparseable_relation = source(source_name, table_name ~ '__unparseable') -%}
    {%- if not execute -%}
        select 1 as parsing
    {%- else -%}
    {%- set columns = pulse_raw_contract()[table_name]['columns'] -%}
with

base as (

    select * from {{ base_relation }}

),

unparseable_lines as (

    select * from {{ unparseable_relation }}

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
        cast(null as {{ pulse_type('varchar') }}) as raw_line
    from base
    where rejection_reason is not null

),

rejected_lines as (

    select
        {%- for column in columns %}
        cast(null as {{ pulse_type('varchar') }}) as {{ column }},
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
    {%- endif -%}
{%- endmacro %}
