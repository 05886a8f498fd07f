{#-
    on-run-start entry point.
    - DuckDB: land the new raw files of PULSE_RAW_PATH into the raw schema (see land_raw_files).
    - PostgreSQL: create the safe-parsing functions the staging models call.
-#}
{% macro pulse_on_run_start() %}
    {%- if execute and flags.WHICH in ('run', 'build', 'test', 'seed', 'run-operation', 'show', 'compile', 'retry') -%}
        {%- if flags.WHICH != 'compile' -%}
            {{ pulse_store_raw_contract() }}
        {%- endif -%}
        {%- if target.type == 'duckdb' and flags.WHICH != 'compile' -%}
            {{ land_raw_files() }}
        {%- elif target.type == 'postgres' -%}
            {{ pulse_create_parse_functions() }}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}


{#- Stop the run with one line (dbt prints it after "Compilation Error"). -#}
{% macro pulse_fail(message) %}
    {{ exceptions.raise_compiler_error("Customer Pulse: " ~ message) }}
{% endmacro %}


{#- A SQL string literal that holds any text (JSON, paths). Spark reads a backslash in a
    literal as an escape and '' as two adjacent literals, so there a backslash is doubled
    and a quote escaped with one. -#}
{% macro pulse_quote(text) -%}
    {{ return(adapter.dispatch('pulse_quote', 'customer_pulse')(text)) }}
{%- endmacro %}

{% macro default__pulse_quote(text) -%}
    '{{ text | string | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__pulse_quote(text) -%}
    '{{ text | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}


{#-
    DuckDB only: incremental landing of the raw files (README "Your own data").

    The files of each raw table (the layout rule is pulse.rawfiles.table_files, called through
    the DuckDB plugin pulse.duckdb_plugin) are compared with raw._pulse_files, the log of the
    files landed before (path, size, stat fingerprint, SHA-256, load id):
    - a new file is read once: its rows are appended to raw.<table> (every contract column as
      text, plus _source_file, _source_row and _load_id) and the lines that cannot be parsed
      at all to raw.<table>__unparseable;
    - an unchanged file (same stat fingerprint, or a new fingerprint with the same content
      checksum, as `cp -p` or `rsync -a` leave it) is not read again;
    - a changed or removed file stops the run with one line naming the file and the
      full-refresh command: every table feeds an incremental model, which cannot take rows
      back in place (a delivery is added as a new file).
    --full-refresh (or --vars '{reload_raw: true}') lands every file again from scratch.
    Raw files are only ever read.
-#}
{% macro land_raw_files() %}
    {%- set raw_dir = pulse_raw_path() -%}
    {%- set schema = var('raw_schema', 'raw') -%}
    {%- set contract = pulse_raw_contract() -%}
    {%- set from_scratch = flags.FULL_REFRESH or var('reload_raw', false) -%}
    {% do run_query('create schema if not exists ' ~ schema) %}
    {#- the same safe parser PostgreSQL gets as a function, for freshness checks -#}
    {% do run_query(
        'create schema if not exists ' ~ target.schema ~ '; '
        ~ 'create or replace macro ' ~ target.schema ~ '.pulse_try_timestamp_utc(value) as ('
        ~ pulse_parse_timestamp('value') ~ ')'
    ) %}
    {%- set log_table = schema ~ '._pulse_files' -%}
    {% do run_query(
        'create table if not exists ' ~ log_table ~ ' (table_name varchar, raw_path varchar, '
        ~ 'source_file varchar, file_format varchar, file_size bigint, mtime_ns bigint, '
        ~ 'ctime_ns bigint, inode bigint, sha256 varchar, load_id bigint, rows_loaded bigint, '
        ~ 'lines_unparseable bigint, landed_at timestamptz, status varchar)'
    ) %}
    {% do run_query('alter table ' ~ log_table ~ ' add column if not exists status varchar') %}
    {#- files whose landing was interrupted (a killed run): their partial rows go, they land again -#}
    {%- for row in run_query(
        "select table_name, source_file from " ~ log_table ~ " where status = 'landing'"
    ).rows -%}
        {% do log("Customer Pulse: " ~ row[1] ~ " was not landed completely; landing it again", info=true) %}
        {% do run_query(
            'delete from ' ~ schema ~ '."' ~ row[0] ~ '" where _source_file = ' ~ pulse_quote(row[1]) ~ '; '
            ~ 'delete from ' ~ schema ~ '.' ~ row[0] ~ '__unparseable where _source_file = ' ~ pulse_quote(row[1]) ~ '; '
            ~ 'delete from ' ~ log_table ~ ' where table_name = ' ~ pulse_quote(row[0])
            ~ ' and source_file = ' ~ pulse_quote(row[1]) ~ " and status = 'landing'"
        ) %}
    {%- endfor -%}
    {%- set load_id = run_query('select coalesce(max(load_id), 0) + 1 from ' ~ log_table).rows[0][0] -%}
    {%- for table_name, spec in contract.items() if pulse_is_read(table_name, spec) -%}
        {%- set listing = fromjson(run_query(
            'select pulse_raw_files(' ~ pulse_quote(raw_dir) ~ ', ' ~ pulse_quote(table_name) ~ ')'
        ).rows[0][0]) -%}
        {%- if listing.get('missing') and spec['contract'].get('optional') -%}
            {#- an optional table that is not given is landed empty (its models build empty) -#}
            {% do log("Customer Pulse: optional raw table '" ~ table_name ~ "' is not in " ~ raw_dir
                ~ "; it is taken as empty", info=true) %}
            {%- set listing = {'files': []} -%}
        {%- elif 'error' in listing -%}
            {{ pulse_fail(listing['error']) }}
        {%- endif -%}
        {%- set exists = run_query(
            "select count(*) from information_schema.tables where table_schema = '" ~ schema
            ~ "' and table_name in ('" ~ table_name ~ "', '" ~ table_name ~ "__unparseable')"
        ).rows[0][0] == 2 -%}
        {%- if from_scratch or not exists -%}
            {% do pulse_create_raw_tables(table_name, spec, schema) %}
            {% do run_query('delete from ' ~ log_table ~ " where table_name = '" ~ table_name ~ "'") %}
        {%- else -%}
            {#- landed under an older raw contract (a column added since): land everything again -#}
            {%- set have = run_query(
                "select column_name from information_schema.columns where table_schema = '" ~ schema
                ~ "' and table_name = '" ~ table_name ~ "'"
            ).columns[0].values() | list -%}
            {%- set lacking = spec['columns'] | reject('in', have) | list -%}
            {%- if lacking -%}
                {{ pulse_fail(
                    "raw table '" ~ table_name ~ "' was landed under an older raw contract (no column "
                    ~ lacking | join(', ') ~ "); land every file again with `dbt build --full-refresh`"
                    ~ " (make build FULL_REFRESH=1)") }}
            {%- endif -%}
        {%- endif -%}
        {%- set landed = {} -%}
        {%- for row in run_query(
            'select source_file, file_size, mtime_ns, ctime_ns, inode, sha256, raw_path, '
            ~ "strftime(landed_at, '%Y-%m-%d %H:%M UTC') from " ~ log_table
            ~ " where table_name = '" ~ table_name ~ "'"
        ).rows -%}
            {%- do landed.update({row[0]: row}) -%}
        {%- endfor -%}
        {%- set to_land = [] -%}
        {%- set gone = [] -%}
        {%- set listed = [] -%}
        {%- for file in listing['files'] -%}
            {%- do listed.append(file['path']) -%}
            {%- set before = landed.get(file['path']) -%}
            {%- if before is none -%}
                {%- do to_land.append(file) -%}
            {%- elif [before[1], before[2], before[3], before[4]] != [file['size'], file['mtime_ns'], file['ctime_ns'], file['inode']] -%}
                {%- set checksum = run_query('select pulse_file_sha256(' ~ pulse_quote(file['path']) ~ ')').rows[0][0] -%}
                {%- if checksum == before[5] -%}
                    {#- same content (copied with its times kept): remember the new fingerprint -#}
                    {% do run_query(
                        'update ' ~ log_table ~ ' set mtime_ns = ' ~ file['mtime_ns'] ~ ', ctime_ns = '
                        ~ file['ctime_ns'] ~ ', inode = ' ~ file['inode'] ~ " where table_name = '"
                        ~ table_name ~ "' and source_file = " ~ pulse_quote(file['path'])
                    ) %}
                {%- else -%}
                    {%- do gone.append([file['path'], 'changed', before[7]]) -%}
                    {%- do to_land.append(file) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for path, before in landed.items() if path not in listed -%}
            {%- do gone.append([path, 'removed', before[7], before[6]]) -%}
        {%- endfor -%}
        {%- if gone -%}
            {#- every raw table feeds an incremental model (events directly; accounts, visitors
                and features through the reference checks and the daily facts; tickets, NPS
                and CRM activities through the health history), so a delivery that changed or
                disappeared cannot be followed in place -#}
            {%- set first = gone[0] -%}
            {%- if first[1] == 'removed' and first[3] != raw_dir -%}
                {{ pulse_fail(
                    "PULSE_RAW_PATH changed from " ~ first[3] ~ " to " ~ raw_dir ~ " since raw table '"
                    ~ table_name ~ "' was landed; rebuild from scratch with `dbt build --full-refresh`"
                    ~ " (make build FULL_REFRESH=1)") }}
            {%- endif -%}
            {{ pulse_fail(
                "raw file " ~ first[0] ~ " " ~ first[1] ~ " since it was landed on " ~ first[2]
                ~ ((" (and " ~ (gone | length - 1) ~ " more)") if gone | length > 1 else "")
                ~ "; the models built from " ~ table_name ~ " cannot follow it in place: add new rows as"
                ~ " new files, or rebuild from scratch with `dbt build --full-refresh`"
                ~ " (make build FULL_REFRESH=1)") }}
        {%- endif -%}
        {%- if to_land -%}
            {% do log("Customer Pulse: landing " ~ to_land | length ~ " new file(s) of " ~ table_name ~ ": "
                ~ (to_land | map(attribute='path') | list)[:3] | join(', ') ~ (', ...' if to_land | length > 3 else ''), info=true) %}
            {% do land_raw_files_of_table(table_name, spec, to_land, schema, load_id, log_table, raw_dir) %}
        {%- endif -%}
        {%- if spec['contract'].get('must_have_rows') -%}
            {%- set rows = run_query('select count(*) from ' ~ schema ~ '."' ~ table_name ~ '"').rows[0][0] -%}
            {%- if rows == 0 -%}
                {{ pulse_fail(
                    "raw table '" ~ table_name ~ "' has no rows (" ~ listed | join(', ')
                    ~ "); a build needs at least one row of " ~ table_name) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{#- raw.<table> (contract columns as text + _source_file, _source_row, _load_id) and its
    raw.<table>__unparseable, empty. The table's name is quoted: Pendo has a table `group`. -#}
{% macro pulse_create_raw_tables(table_name, spec, schema) %}
    {% do run_query(
        'create or replace table ' ~ schema ~ '."' ~ table_name ~ '" ('
        ~ spec['columns'] | join(' varchar, ') ~ ' varchar, _source_file varchar, _source_row bigint, _load_id bigint); '
        ~ 'create or replace table ' ~ schema ~ '.' ~ table_name ~ '__unparseable ('
        ~ '_source_file varchar, _line_number bigint, error_type varchar, error_message varchar, '
        ~ 'raw_line varchar, _load_id bigint)'
    ) %}
{% endmacro %}


{#- Append new raw files of one table to raw.<table> and log them in raw._pulse_files.
    Files with the same header (all daily drops of an export, typically) are read by one
    statement. CSV is read by its header names (any order, extra columns ignored, BOM and
    CRLF allowed) with no type or dialect sniffing, so a bad line anywhere (even a 2 MB one)
    is a quarantined line, never a failed build. -#}
{% macro land_raw_files_of_table(table_name, spec, files, schema, load_id, log_table, raw_dir) %}
    {%- set csv_files = files | selectattr('format', 'equalto', 'csv') | list -%}
    {%- set parquet_files = files | selectattr('format', 'equalto', 'parquet') | list -%}
    {%- set groups = [] -%}
    {%- if csv_files -%}
        {%- set answer = fromjson(run_query(
            'select pulse_csv_headers(' ~ pulse_quote(tojson(csv_files | map(attribute='path') | list)) ~ ')'
        ).rows[0][0]) -%}
        {%- if 'error' in answer -%}
            {{ pulse_fail(answer['error']) }}
        {%- endif -%}
        {%- set by_header = {} -%}
        {%- for file in csv_files -%}
            {%- set key = tojson(answer['headers'][loop.index0]) -%}
            {%- if key not in by_header -%}
                {%- do by_header.update({key: []}) -%}
            {%- endif -%}
            {%- do by_header[key].append(file) -%}
        {%- endfor -%}
        {%- for key, group in by_header.items() -%}
            {%- do groups.append({'format': 'csv', 'columns': fromjson(key), 'files': group}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if parquet_files -%}
        {%- set columns = [] -%}
        {%- set quoted = [] -%}
        {%- for file in parquet_files -%}
            {%- do quoted.append(pulse_quote(file['path'])) -%}
        {%- endfor -%}
        {%- for row in run_query(
            'describe select * from read_parquet([' ~ quoted | join(', ') ~ '], union_by_name = true)'
        ).rows -%}
            {%- do columns.append(row[0]) -%}
        {%- endfor -%}
        {%- do groups.append({'format': 'parquet', 'columns': columns, 'files': parquet_files}) -%}
    {%- endif -%}
    {%- for group in groups -%}
        {% do land_raw_file_group(table_name, spec, group, schema, load_id, log_table, raw_dir) %}
    {%- endfor -%}
{% endmacro %}


{% macro land_raw_file_group(table_name, spec, group, schema, load_id, log_table, raw_dir) %}
    {%- set paths = group['files'] | map(attribute='path') | list -%}
    {%- set path_list = [] -%}
    {%- for path in paths -%}
        {%- do path_list.append(pulse_quote(path)) -%}
    {%- endfor -%}
    {%- set first = paths[0] ~ ((' (and ' ~ (paths | length - 1) ~ ' more files with the same header)') if paths | length > 1 else '') -%}
    {%- set is_csv = group['format'] == 'csv' -%}
    {%- set rejects = 'pulse_rejects_' ~ table_name -%}
    {%- set file_columns = group['columns'] -%}
    {%- if is_csv -%}
        {%- set reader -%}
            read_csv([{{ path_list | join(', ') }}], header = true, auto_detect = false, delim = ',',
                quote = '"', escape = '"', strict_mode = true, store_rejects = true,
                rejects_table = '{{ rejects }}', rejects_scan = '{{ rejects }}_scan',
                filename = '_pulse_source_file',
                columns = { {%- for name in file_columns -%}
                    {{ pulse_quote(name) }}: 'VARCHAR'{{ ', ' if not loop.last }}
                {%- endfor -%} })
        {%- endset -%}
    {%- else -%}
        {%- set reader = 'read_parquet([' ~ path_list | join(', ') ~ "], union_by_name = true, filename = '_pulse_source_file')" -%}
    {%- endif -%}
    {#- which contract columns do the files have? (by header name, any order, extras ignored) -#}
    {%- set names = {} -%}
    {%- for name in file_columns -%}
        {%- if (name | lower | trim) in names -%}
            {{ pulse_fail(first ~ ": the header names column '" ~ (name | lower | trim) ~ "' twice; which one holds the data is ambiguous, so the file is not read") }}
        {%- endif -%}
        {%- do names.update({name | lower | trim: name}) -%}
    {%- endfor -%}
    {%- for column in spec['required'] if column not in names -%}
        {{ pulse_fail(
            first ~ " has no column '" ~ column ~ "' (required by the raw contract of " ~ table_name
            ~ "); columns found: " ~ names.keys() | join(', ')) }}
    {%- endfor -%}
    {%- set landing -%}
        insert into {{ schema }}."{{ table_name }}"
        select
            {%- for column in spec['columns'] %}
            {% if column in names -%}
                cast("{{ names[column] | replace('"', '""') }}" as varchar)
            {%- else -%}
                cast(null as varchar)
            {%- endif %} as {{ column }},
            {%- endfor %}
            _pulse_source_file as _source_file,
            row_number() over () as _source_row,
            {{ load_id }} as _load_id
        from {{ reader }}
    {%- endset -%}
    {#- the files are logged as 'landing' first: if this run dies before marking them 'landed',
        the next run removes their partial rows and lands them again -#}
    {%- set logged = [] -%}
    {%- for file in group['files'] -%}
        {%- do logged.append('(' ~ pulse_quote(file['path']) ~ ', ' ~ file['size'] ~ ', ' ~ file['mtime_ns']
            ~ ', ' ~ file['ctime_ns'] ~ ', ' ~ file['inode'] ~ ')') -%}
    {%- endfor -%}
    {% do run_query(
        'insert into ' ~ log_table ~ ' select ' ~ pulse_quote(table_name) ~ ', ' ~ pulse_quote(raw_dir)
        ~ ', path, ' ~ pulse_quote(group['format']) ~ ', size, mtime_ns, ctime_ns, inode, '
        ~ 'pulse_file_sha256(path), ' ~ load_id ~ ", null, null, now(), 'landing' from (values "
        ~ logged | join(', ') ~ ') as files (path, size, mtime_ns, ctime_ns, inode); '
        ~ 'drop table if exists ' ~ rejects ~ '; drop table if exists ' ~ rejects ~ '_scan'
    ) %}
    {% do run_query(landing) %}
    {%- if is_csv -%}
        {%- set unparseable -%}
            insert into {{ schema }}.{{ table_name }}__unparseable
            select
                scans.file_path as _source_file,
                errors.line as _line_number,
                string_agg(distinct cast(errors.error_type as varchar), '; ') as error_type,
                min(errors.error_message) as error_message,
                trim(min(errors.csv_line), chr(10) || chr(13)) as raw_line,
                {{ load_id }} as _load_id
            from {{ rejects }} as errors
            inner join {{ rejects }}_scan as scans
                on errors.scan_id = scans.scan_id and errors.file_id = scans.file_id
            group by scans.file_path, errors.line
        {%- endset -%}
        {% do run_query(unparseable) %}
        {% do run_query('drop table if exists ' ~ rejects ~ '; drop table if exists ' ~ rejects ~ '_scan') %}
    {%- endif -%}
    {% do run_query(
        'update ' ~ log_table ~ " as log set status = 'landed', "
        ~ 'rows_loaded = coalesce((select count(*) from ' ~ schema ~ '."' ~ table_name ~ '" as r where r._load_id = '
        ~ load_id ~ ' and r._source_file = log.source_file), 0), '
        ~ 'lines_unparseable = coalesce((select count(*) from ' ~ schema ~ '.' ~ table_name ~ '__unparseable as u '
        ~ 'where u._load_id = ' ~ load_id ~ ' and u._source_file = log.source_file), 0) '
        ~ "where log.table_name = " ~ pulse_quote(table_name) ~ ' and log.load_id = ' ~ load_id
        ~ " and log.status = 'landing'"
    ) %}
{% endmacro %}
