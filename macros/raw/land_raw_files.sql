{#-
    on-run-start entry point.
    - DuckDB: land the raw files of PULSE_RAW_PATH into the raw schema (see land_raw_files).
    - PostgreSQL: create the safe-parsing functions the staging models call.
-#}
{% macro pulse_on_run_start() %}
    {%- if execute and flags.WHICH in ('run', 'build', 'test', 'seed', 'run-operation', 'show', 'compile', 'retry') -%}
        {%- if target.type == 'duckdb' and flags.WHICH != 'compile' -%}
            {{ land_raw_files() }}
        {%- elif target.type == 'postgres' -%}
            {{ pulse_create_parse_functions() }}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}


{#-
    DuckDB only: read each raw table's file (`<table>.csv` or `<table>.parquet` in
    PULSE_RAW_PATH) into `raw.<table>` (every contract column as text, plus _source_file) and
    the lines that cannot be parsed at all into `raw.<table>__unparseable` (file, line number,
    error, raw line). A table whose file is unchanged since the last landing (same path, size
    and modification time, as logged in raw._pulse_loads) is not read again; pass
    --vars '{reload_raw: true}' to force it.
-#}
{% macro land_raw_files() %}
    {%- set raw_dir = pulse_raw_path() -%}
    {%- set schema = var('raw_schema', 'raw') -%}
    {%- set contract = pulse_raw_contract() -%}
    {%- set force = var('reload_raw', false) -%}
    {% do run_query('create schema if not exists ' ~ schema) %}
    {#- the same safe parser PostgreSQL gets as a function, for freshness checks -#}
    {% do run_query(
        'create schema if not exists ' ~ target.schema ~ '; '
        ~ 'create or replace macro ' ~ target.schema ~ '.pulse_try_timestamp_utc(value) as ('
        ~ pulse_parse_timestamp('value') ~ ')'
    ) %}
    {% do run_query(
        'create table if not exists ' ~ schema ~ '._pulse_loads ('
        ~ 'table_name varchar, source_file varchar, file_size bigint, file_modified_at timestamptz, '
        ~ 'rows_loaded bigint, lines_unparseable bigint, loaded_at timestamptz)'
    ) %}
    {%- for table_name, spec in contract.items() -%}
        {%- set files = run_query(
            "select filename, size, last_modified from read_blob('" ~ raw_dir ~ "/" ~ table_name
            ~ ".*') where filename like '%.csv' or filename like '%.parquet' order by filename"
        ) -%}
        {%- if files | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                "Customer Pulse: no raw file for table '" ~ table_name ~ "' in " ~ raw_dir
                ~ " (expected " ~ table_name ~ ".csv or " ~ table_name ~ ".parquet). Set PULSE_RAW_PATH"
                ~ " or run `pulse generate` for sample data.") }}
        {%- elif files | length > 1 -%}
            {{ exceptions.raise_compiler_error(
                "Customer Pulse: both " ~ table_name ~ ".csv and " ~ table_name ~ ".parquet are in "
                ~ raw_dir ~ "; keep one.") }}
        {%- endif -%}
        {%- set file = files.rows[0] -%}
        {%- set previous = run_query(
            "select count(*) from " ~ schema ~ "._pulse_loads where table_name = '" ~ table_name
            ~ "' and source_file = '" ~ file[0] ~ "' and file_size = " ~ file[1]
            ~ " and file_modified_at = '" ~ file[2] ~ "'::timestamptz"
            ~ " and exists (select 1 from information_schema.tables where table_schema = '" ~ schema
            ~ "' and table_name = '" ~ table_name ~ "__unparseable')"
        ) -%}
        {%- if force or previous.rows[0][0] == 0 -%}
            {% do log("Customer Pulse: landing " ~ file[0], info=true) %}
            {% do land_raw_file(table_name, spec, file[0], schema) %}
            {% do run_query(
                "delete from " ~ schema ~ "._pulse_loads where table_name = '" ~ table_name ~ "'; "
                ~ "insert into " ~ schema ~ "._pulse_loads select '" ~ table_name ~ "', '" ~ file[0]
                ~ "', " ~ file[1] ~ ", '" ~ file[2] ~ "'::timestamptz, "
                ~ "(select count(*) from " ~ schema ~ "." ~ table_name ~ "), "
                ~ "(select count(*) from " ~ schema ~ "." ~ table_name ~ "__unparseable), now()"
            ) %}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{% macro land_raw_file(table_name, spec, path, schema) %}
    {%- set is_csv = path.endswith('.csv') -%}
    {%- set rejects = 'pulse_rejects_' ~ table_name -%}
    {%- if is_csv -%}
        {%- set reader -%}
            read_csv('{{ path }}', header = true, all_varchar = true, delim = ',', quote = '"',
                escape = '"', strict_mode = true, filename = true, store_rejects = true,
                rejects_table = '{{ rejects }}', rejects_scan = '{{ rejects }}_scan')
        {%- endset -%}
    {%- else -%}
        {%- set reader = "read_parquet('" ~ path ~ "', filename = true)" -%}
    {%- endif -%}
    {#- which contract columns does the file have? (by header name, any order, extras ignored) -#}
    {%- set described = run_query("describe select * from " ~ reader ~ " limit 0") -%}
    {%- set present = [] -%}
    {%- for row in described.rows -%}
        {%- do present.append(row[0] | lower | trim) -%}
    {%- endfor -%}
    {%- for column in spec['required'] -%}
        {%- if column not in present -%}
            {{ exceptions.raise_compiler_error(
                "Customer Pulse: " ~ path ~ " has no column '" ~ column ~ "' (required by the raw"
                ~ " contract, SPEC §3). Columns found: " ~ present | join(', ')) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set names = {} -%}
    {%- for row in described.rows -%}
        {%- do names.update({row[0] | lower | trim: row[0]}) -%}
    {%- endfor -%}
    {%- set landing -%}
        create or replace table {{ schema }}.{{ table_name }} as
        select
            {%- for column in spec['columns'] %}
            {% if column in present -%}
                cast("{{ names[column] }}" as varchar)
            {%- else -%}
                cast(null as varchar)
            {%- endif %} as {{ column }},
            {%- endfor %}
            filename as _source_file
        from {{ reader }}
    {%- endset -%}
    {% do run_query(landing) %}
    {%- if is_csv -%}
        {%- set unparseable -%}
            create or replace table {{ schema }}.{{ table_name }}__unparseable as
            select
                scans.file_path as _source_file,
                errors.line as _line_number,
                string_agg(distinct cast(errors.error_type as varchar), '; ') as error_type,
                min(errors.error_message) as error_message,
                trim(min(errors.csv_line), chr(10) || chr(13)) as raw_line
            from {{ rejects }} as errors
            inner join {{ rejects }}_scan as scans
                on errors.scan_id = scans.scan_id and errors.file_id = scans.file_id
            group by 1, 2
        {%- endset -%}
        {% do run_query(unparseable) %}
        {% do run_query('drop table if exists ' ~ rejects ~ '; drop table if exists ' ~ rejects ~ '_scan') %}
    {%- else -%}
        {% do run_query(
            'create or replace table ' ~ schema ~ '.' ~ table_name ~ '__unparseable ('
            ~ '_source_file varchar, _line_number bigint, error_type varchar, error_message varchar,'
            ~ ' raw_line varchar)'
        ) %}
    {%- endif -%}
{% endmacro %}
