{#-
    The staging of every raw table is generated from the raw contract (raw_contract.sql):
    a base_ model is `{{ pulse_base_model('<source>', '<table>') }}`, a _rejected model is
    `{{ pulse_rejected_rows('<source>', '<table>') }}`; a table whose columns reference
    another table (visitors -> accounts, events -> visitors, ...) also has the intermediate
    model `int_<table>_checked` = `{{ pulse_checked_model('<table>') }}`.

    A base_ model reads its own raw table only. It keeps every raw row with its typed columns
    (named as in the contract), its original text as raw_<column> (for rejected rows only: the
    quarantine shows it), and a rejection_reason / rejection_detail (the column at fault), NULL
    when the row is accepted. Row checks, in this order (a row gets the first that applies):
      missing_required, invalid_timestamp, invalid_number, invalid_value (a boolean, a NUL
      character in text, or a value not in accepted_values), <out_of_range> (e.g.
      score_out_of_range), invalid_value (below `min`), implausible_timestamp (before var
      plausible_min_date or more than var max_future_days after the run),
      occurred_after_received, and, for a table that references no other, duplicate_key.
    The checks across tables come after, in int_<table>_checked (reads the stg_ model of the
    table and the int_ models of the tables it references):
      unknown_<referenced table>, references_rejected_row (the referenced row exists but is
      quarantined, or its key appears in a quarantined unparseable line of that table),
      account_mismatch (an account_id given next to a visitor of another account: a
      `default_via` column that disagrees with the row it is taken from), duplicate_key.
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
            column ~ ' > ' ~ dbt.dateadd('day', var(rule['days_var']) if rule.get('days_var') else 0, rule['column'])]) -%}
    {%- endfor -%}
    {{ return(checks) }}
{% endmacro %}


{#- The contract columns of a table that name a row of another table. -#}
{% macro pulse_referencing_columns(table_name) -%}
    {%- set spec = pulse_raw_contract()[table_name] -%}
    {{ return(spec['columns'] | select('in', spec['meta'] | dictsort | selectattr('1.references') | map(attribute='0') | list) | list) }}
{%- endmacro %}


{#- Ordered (reason, column, condition) checks across tables (int_<table>_checked): each
    referencing column against the CTE ref_<column> (pulse_key_status), then the columns
    filled from a referenced row (default_via) against that row. -#}
{% macro pulse_reference_checks(table_name) %}
    {%- set spec = pulse_raw_contract()[table_name] -%}
    {%- set checks = [] -%}
    {%- for column in pulse_referencing_columns(table_name) -%}
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


{#- Every field of the unparseable lines of a table's quarantine (split at commas and line
    breaks, trimmed of blanks and quotes), one row each: field_value. -#}
{% macro pulse_unparseable_fields(relation) -%}
    {{ return(adapter.dispatch('pulse_unparseable_fields', 'customer_pulse')(relation)) }}
{%- endmacro %}

{% macro default__pulse_unparseable_fields(relation) -%}
    select distinct field_value
    from (
        select trim(both ' "' from regexp_split_to_table(raw_line, '[,\r\n]')) as field_value
        from {{ relation }}
        where rejection_reason = 'unparseable_line'
    ) as split_fields
    where field_value <> ''
{%- endmacro %}

{% macro duckdb__pulse_unparseable_fields(relation) -%}
    select distinct field_value
    from (
        select trim(unnest(regexp_split_to_array(raw_line, '[,\r\n]')), ' "') as field_value
        from {{ relation }}
        where rejection_reason = 'unparseable_line'
    ) as split_fields
    where field_value <> ''
{%- endmacro %}

{% macro spark__pulse_unparseable_fields(relation) -%}
    select distinct field_value
    from (
        select trim(both ' "' from field_value) as field_value
        from {{ relation }}
        lateral view explode(split(raw_line, '[,\\r\\n]')) split_line as field_value
        where rejection_reason = 'unparseable_line'
    ) as split_fields
    where field_value <> ''
{%- endmacro %}


{#- A base_ model: one raw table parsed and checked row by row (see the top of this file).
    Tables with `incremental: true` in their contract are appended to: each run parses only
    the rows of the files landed since the last run. -#}
{% macro pulse_base_model(source_name, table_name) -%}
    {%- set relation = pulse_raw_relation(source_name, table_name) -%}
    {%- if not execute -%}
        select 1 as parsing
    {%- else -%}
    {%- set spec = pulse_raw_contract()[table_name] -%}
    {%- set table = spec['contract'] -%}
    {%- set columns = spec['columns'] -%}
    {%- set checks = pulse_row_checks(table_name) -%}
    {#- duplicate keys are ranked here only when no check across tables can reject a row -#}
    {%- set ranks_keys = table.get('duplicates') != 'deliveries' and not pulse_referencing_columns(table_name) -%}
    {%- set payload = columns | reject('in', table['key'] + [table.get('keep_first_by')]) | list -%}
with

source as (

    select * from {{ relation }} as source_rows
    {%- if table.get('incremental') and is_incremental() %}
    where {{ pulse_loads_after('select coalesce(max(_load_id), 0) from ' ~ this) }}
        {% if var('source_schema', '') -%}
        {#- a load re-read within the lookback is not appended twice -#}
        and not exists (
            select 1 from {{ this }} as taken
            where
                taken._source_file = source_rows._source_file
                and taken._source_row = source_rows._source_row
                and taken._load_id = source_rows._load_id
        )
        {%- endif %}
    {%- endif %}

),

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
        {%- if ranks_keys %}
        row_number() over (
            partition by {{ table['key'] | join(', ') }}, row_rejection_reason is null
            order by {{ (table['keep_first_by'] ~ ', ') if table.get('keep_first_by') }}
                {%- for column in columns %} raw_{{ column }}{{ ',' if not loop.last }}{% endfor %}
        ) as key_occurrence
        {%- else %}
        {#- re-deliveries are ranked by the staging model, other keys by int_<table>_checked -#}
        1 as key_occurrence
        {%- endif %}
    from checked

),

final as (

    select
        {%- for column in columns %}
        {{ column }},
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


{#- The keys of a referenced table with their status, one row per key_value: 'staged' when a
    row with that key is staged (its int_ model), else 'rejected' when one is quarantined
    (its _rejected model: a rejected row's key, or any field of an unparseable line: the key
    of a line that is not CSV cannot be told apart from its other fields, and a row naming
    any of them is told the truth: what it references was quarantined). default_columns are
    taken from the staged row (default_<column>). -#}
{% macro pulse_key_status(table_name, default_columns=[]) -%}
    {%- set key = pulse_raw_contract()[table_name]['contract']['key'][0] -%}
    {%- set rejected = ref(pulse_staged_model(table_name) ~ '_rejected') -%}
    select
        key_value,
        {%- for column in default_columns %}
        max(default_{{ column }}) as default_{{ column }},
        {%- endfor %}
        max(status) as status
    from (
        select
            {{ key }} as key_value,
            {%- for column in default_columns %}
            {{ column }} as default_{{ column }},
            {%- endfor %}
            'staged' as status
        from {{ ref(pulse_intermediate_model(table_name)) }}
        union all
        select
            {{ pulse_clean_text(key) }} as key_value,
            {%- for column in default_columns %}
            cast(null as {{ pulse_type('varchar') }}) as default_{{ column }},
            {%- endfor %}
            'rejected' as status
        from {{ rejected }}
        where rejection_reason <> 'unparseable_line'
        union all
        select
            field_value as key_value,
            {%- for column in default_columns %}
            cast(null as {{ pulse_type('varchar') }}) as default_{{ column }},
            {%- endfor %}
            'rejected' as status
        from ({{ pulse_unparseable_fields(rejected) }}) as fields
    ) as keys
    where key_value is not null
    group by key_value
{%- endmacro %}


{#- The source-neutral intermediate model of a raw table: int_<table without its source
    prefix>, e.g. int_visitors, int_events, int_support_tickets. -#}
{% macro pulse_intermediate_model(table_name) -%}
    {{ return('int_' ~ table_name) }}
{%- endmacro %}


{#- int_<table>_checked: every row of the table's stg_ model (for an incremental table: the
    rows staged since the last run) with the checks across tables (pulse_reference_checks),
    then duplicate_key among the rows that pass them (the first by keep_first_by, then by
    position in the delivery). A column with `default_via` that is empty takes the value of
    the referenced row. rejection_reason is NULL for the rows int_<table> keeps. The stg_
    model's columns pass through as they are (listed in its yml). The model file names the
    models read in a depends_on comment: dbt parses the project before the contract is read. -#}
{% macro pulse_checked_model(table_name) -%}
    {%- if not execute -%}
        select 1 as parsing
    {%- else -%}
    {%- set staged_relation = ref(pulse_staged_model(table_name)) -%}
    {%- set spec = pulse_raw_contract()[table_name] -%}
    {%- set table = spec['contract'] -%}
    {%- set checks = pulse_reference_checks(table_name) -%}
with

staged as (

    select * from {{ staged_relation }}
    {%- if table.get('incremental') and is_incremental() %}
    where {{ pulse_loads_after('select coalesce(max(_load_id), 0) from ' ~ this) }}
    {%- endif %}

),
{%- for column in pulse_referencing_columns(table_name) %}
{%- set defaults = spec['columns'] | select('in', spec['meta'] | dictsort | selectattr('1.default_via', 'equalto', column) | map(attribute='0') | list) | list %}

ref_{{ column }} as (

    {{ pulse_key_status(spec['meta'][column]['references'], defaults) }}

),
{%- endfor %}

checked as (

    select
        staged.*,
        {%- for column in spec['columns'] if spec['meta'][column].get('default_via') %}
        ref_{{ spec['meta'][column]['default_via'] }}.default_{{ column }},
        {%- endfor %}
        case
            {%- for check in checks %}
            when {{ check[2] }} then '{{ check[0] }}'
            {%- endfor %}
        end as reference_rejection_reason,
        case
            {%- for check in checks %}
            when {{ check[2] }} then '{{ check[1] }}'
            {%- endfor %}
        end as reference_rejection_detail
    from staged
    {%- for column in pulse_referencing_columns(table_name) %}
    left join ref_{{ column }}
        on staged.{{ column }} = ref_{{ column }}.key_value
    {%- endfor %}

),

ranked as (

    select
        *,
        {%- if table.get('duplicates') == 'deliveries' %}
        {#- re-deliveries are ranked by the staging model, across runs -#}
        1 as key_occurrence
        {%- else %}
        row_number() over (
            partition by {{ table['key'] | join(', ') }}, reference_rejection_reason is null
            order by {{ (table['keep_first_by'] ~ ', ') if table.get('keep_first_by') }}_source_file, _source_row
        ) as key_occurrence
        {%- endif %}
    from checked

),

final as (

    select
        {%- for column in spec['staged_columns'] %}
        {%- if spec['meta'].get(column, {}).get('default_via') %}
        coalesce({{ column }}, default_{{ column }}) as {{ column }},
        {%- else %}
        {{ column }},
        {%- endif %}
        {%- endfor %}
        coalesce(
            reference_rejection_reason,
            case when key_occurrence > 1 then 'duplicate_key' end
        ) as rejection_reason,
        coalesce(
            reference_rejection_detail,
            case when key_occurrence > 1 then '{{ table['key'] | join(', ') }}' end
        ) as rejection_detail
    from ranked

)

select * from final
    {%- endif -%}
{%- endmacro %}


{#- int_<table>: the rows of int_<table>_checked that passed, without the check columns;
    extra_columns: (name, expression) pairs appended to each row. -#}
{% macro pulse_checked_rows(table_name, extra_columns=[]) -%}
    {%- set checked_relation = ref(pulse_intermediate_model(table_name) ~ '_checked') -%}
    {%- if not execute -%}
        select 1 as parsing
    {%- else -%}
with

checked as (

    select * from {{ checked_relation }}

),

final as (

    select
        {%- for column in pulse_raw_contract()[table_name]['staged_columns'] %}
        {{ column }}{{ ',' if not loop.last or extra_columns }}
        {%- endfor %}
        {%- for name, expression in extra_columns %}
        {{ expression }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from checked
    where rejection_reason is null

)

select * from final
    {%- endif -%}
{%- endmacro %}


{#- The quarantine of a raw table: the rows its base_ model rejected, with their raw values;
    for a table with checks across tables, the rows int_<table>_checked rejected, with their
    raw values read back from the landed raw table by file and row (a deliberate exception to
    "staging reads nothing downstream": the quarantine is one place per table); and the lines
    of the raw files that could not be parsed at all (with file and line number). -#}
{% macro pulse_rejected_rows(source_name, table_name, base_model, checked_model=none) -%}
    {%- set raw_relation = pulse_raw_relation(source_name, table_name) -%}
    {%- set unparseable_relation = pulse_unparseable_relation(source_name, table_name) -%}
    {%- set base_relation = ref(base_model) -%}
    {%- set checked_relation = ref(checked_model) if checked_model else none -%}
    {%- if not execute -%}
        select 1 as parsing
    {%- else -%}
    {%- if (checked_model is none) != (not pulse_referencing_columns(table_name)) -%}
        {{ pulse_fail(table_name ~ ': its _rejected model must name int_' ~ table_name ~ '_checked exactly when the table references another (raw contract)') }}
    {%- endif -%}
    {%- set columns = pulse_raw_contract()[table_name]['columns'] -%}
with

base as (

    select * from {{ pulse_current_emissions(base_relation) }}

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
{%- if checked_relation is not none %}

raw_rows as (

    select * from {{ raw_relation }}

),

checked_rejections as (

    select * from {{ checked_relation }}
    where rejection_reason is not null

),

rejected_across_tables as (

    select
        {%- for column in columns %}
        raw_rows.{{ column }},
        {%- endfor %}
        checked_rejections.rejection_reason,
        checked_rejections.rejection_detail,
        checked_rejections._source_file,
        cast(null as bigint) as source_line_number,
        cast(null as {{ pulse_type('varchar') }}) as raw_line
    from checked_rejections
    inner join raw_rows
        on
            checked_rejections._source_file = raw_rows._source_file
            and checked_rejections._source_row = raw_rows._source_row

),
{%- endif %}

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
    {%- if checked_relation is not none %}
    union all
    select * from rejected_across_tables
    {%- endif %}
    union all
    select * from rejected_lines

)

select * from final
    {%- endif -%}
{%- endmacro %}
