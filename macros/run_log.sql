{#-
    The run log <schema>.pulse_dbt_runs: one row per `dbt run` / `dbt build` (other commands,
    such as test, seed and compile, are not logged and never blocked).

    - on-run-start (pulse_run_log_start): first the settings check (pulse_check_settings), then a
      row with status 'running': invocation id, command, start, the raw path, timezone,
      window_days, raw contract version, whether it is a --full-refresh, and vars_json: every
      var dbt_project.yml declares with its value in this invocation (--vars applied), as JSON.
      `pulse validate` renders the var-dependent test arguments with these values.
    - on-run-end (pulse_on_run_end): that row gets its end, status success or error and counts.

    A build killed part-way (SIGKILL, power loss) leaves its row 'running' with no end:
    `pulse validate` and `pulse export` refuse such marts (half old, half new).
    A table from before the settings columns existed gets them added (old rows keep nulls).
-#}
{% macro pulse_run_log_relation() %}
    {{ return(target.schema ~ '.pulse_dbt_runs') }}
{% endmacro %}


{% macro pulse_run_log_ensure_table() %}
    {{ return(adapter.dispatch('pulse_run_log_ensure_table', 'customer_pulse')()) }}
{% endmacro %}

{#- Spark: no ALTER TABLE ... ADD COLUMN IF NOT EXISTS; the table is created complete. -#}
{% macro spark__pulse_run_log_ensure_table() %}
    {% do run_query('create schema if not exists ' ~ target.schema) %}
    {% do run_query(
        'create table if not exists ' ~ pulse_run_log_relation() ~ ' (invocation_id string, command string, '
        ~ 'started_at timestamp, finished_at timestamp, status string, count_models_built int, '
        ~ 'count_models_failed int, count_nodes_failed int, is_full_refresh boolean, raw_path string, '
        ~ 'timezone string, window_days string, contract_version string, vars_json string) using parquet'
    ) %}
{% endmacro %}

{% macro default__pulse_run_log_ensure_table() %}
    {%- set relation = pulse_run_log_relation() -%}
    {% do run_query('create schema if not exists ' ~ target.schema) %}
    {% do run_query(
        'create table if not exists ' ~ relation ~ ' (invocation_id varchar(64), command varchar(20), '
        ~ 'started_at timestamp, finished_at timestamp, status varchar(20), count_models_built integer, '
        ~ 'count_models_failed integer, count_nodes_failed integer, is_full_refresh boolean)'
    ) %}
    {#- columns added after the first version of the table: migrate an existing one in place -#}
    {%- for column, type in [('raw_path', 'varchar(1000)'), ('timezone', 'varchar(100)'),
                             ('window_days', 'varchar(20)'), ('contract_version', 'varchar(20)'),
                             ('vars_json', 'text')] -%}
        {% do run_query('alter table ' ~ relation ~ ' add column if not exists ' ~ column ~ ' ' ~ type) %}
    {%- endfor -%}
{% endmacro %}


{#- The settings the incremental models depend on, as text: a change needs a full refresh. -#}
{% macro pulse_run_settings() %}
    {{ return({
        'raw_path': pulse_raw_path() | string,
        'timezone': var('timezone') | string,
        'window_days': var('window_days') | string,
        'contract_version': pulse_raw_contract_version() | string,
    }) }}
{% endmacro %}


{#- The effective value of every declared var in this invocation, as JSON (sorted keys).
    A value JSON cannot hold as such (a date from --vars '{as_of_date: 2026-03-31}') is text. -#}
{% macro pulse_run_vars_json() %}
    {%- set values = {} -%}
    {%- for name in pulse_declared_vars() -%}
        {%- set value = var(name) -%}
        {%- if not (value is none or value is string or value is number or value is mapping
                    or value is sequence) -%}
            {%- set value = value | string -%}
        {%- endif -%}
        {%- do values.update({name: value}) -%}
    {%- endfor -%}
    {{ return(tojson(values, sort_keys=true)) }}
{% endmacro %}


{#-
    Stop a run/build (not --full-refresh) whose settings differ from those of the last
    successful run on this database: the incremental models would mix the two.
-#}
{% macro pulse_check_settings() %}
    {%- set labels = {'raw_path': 'raw path', 'timezone': 'timezone', 'window_days': 'window_days',
                      'contract_version': 'raw contract version'} -%}
    {%- set now = pulse_run_settings() -%}
    {%- set last = run_query(
        'select raw_path, timezone, window_days, contract_version from ' ~ pulse_run_log_relation()
        ~ " where status = 'success' and finished_at is not null and command in ('run', 'build')"
        ~ ' order by finished_at desc limit 1'
    ) -%}
    {%- if last.rows | length == 0 or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set changes = [] -%}
    {%- for key in labels -%}
        {%- set before = last.rows[0][key] -%}
        {#- null: logged before the settings were recorded; nothing to compare with -#}
        {%- if before is not none and (before | string) != now[key] -%}
            {% do changes.append(labels[key] ~ ' changed from ' ~ before ~ ' to ' ~ now[key]) %}
        {%- endif -%}
    {%- endfor -%}
    {%- if changes -%}
        {{ exceptions.raise_compiler_error(
            'Customer Pulse: ' ~ (changes | join(' and ')) ~ ' since the last build of this database;'
            ~ ' the incremental models must be rebuilt: run dbt build --full-refresh'
            ~ ' (or make build FULL_REFRESH=1).') }}
    {%- endif -%}
{% endmacro %}


{#- on-run-start, after pulse_on_run_start: check the settings, then log the run as 'running'. -#}
{% macro pulse_run_log_start() %}
    {%- if execute and flags.WHICH in ('run', 'build') -%}
        {%- set settings = pulse_run_settings() -%}
        {% do pulse_run_log_ensure_table() %}
        {% do pulse_check_settings() %}
        {% do run_query(
            'insert into ' ~ pulse_run_log_relation() ~ ' (invocation_id, command, started_at, status,'
            ~ ' is_full_refresh, raw_path, timezone, window_days, contract_version, vars_json)'
            ~ ' values ('
            ~ pulse_quote(invocation_id) ~ ', ' ~ pulse_quote(flags.WHICH) ~ ', '
            ~ pulse_run_started_at() ~ ", 'running', " ~ ('true' if flags.FULL_REFRESH else 'false') ~ ', '
            ~ pulse_quote(settings.raw_path) ~ ', ' ~ pulse_quote(settings.timezone) ~ ', '
            ~ pulse_quote(settings.window_days) ~ ', ' ~ pulse_quote(settings.contract_version) ~ ', '
            ~ pulse_quote(pulse_run_vars_json()) ~ ')'
        ) %}
        {% if target.type == 'postgres' %}{% do run_query('commit') %}{% endif %}
    {%- endif -%}
    select 1
{% endmacro %}


{#- on-run-end: the run's row gets its end, status and counts (added here when on-run-start
    stopped before logging it, e.g. raw files missing). -#}
{% macro pulse_on_run_end(results) %}
    {%- if execute and flags.WHICH in ('run', 'build') -%}
        {%- set models = results | selectattr('node.resource_type', 'equalto', 'model') | list -%}
        {%- set failed = models | rejectattr('status', 'in', ['success']) | list -%}
        {%- set all_failed = results | selectattr('status', 'in', ['error', 'fail']) | list -%}
        {%- set relation = pulse_run_log_relation() -%}
        {%- set status = 'success' if (all_failed | length) == 0 and (failed | length) == 0 else 'error' -%}
        {% do pulse_run_log_ensure_table() %}
        {% do pulse_run_log_finish(relation, {
            'finished_at': "cast('" ~ modules.datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp)",
            'status': "'" ~ status ~ "'",
            'count_models_built': (models | length - failed | length),
            'count_models_failed': (failed | length),
            'count_nodes_failed': (all_failed | length),
        }) %}
        {% if target.type == 'postgres' %}{% do run_query('commit') %}{% endif %}
    {%- endif -%}
    select 1
{% endmacro %}


{#- The run's row gets its end: `values` maps a column to its SQL value. -#}
{% macro pulse_run_log_finish(relation, values) %}
    {{ return(adapter.dispatch('pulse_run_log_finish', 'customer_pulse')(relation, values)) }}
{% endmacro %}

{% macro default__pulse_run_log_finish(relation, values) %}
    {% do run_query(
        'insert into ' ~ relation ~ ' (invocation_id, command, started_at, status, is_full_refresh)'
        ~ ' select ' ~ pulse_quote(invocation_id) ~ ', ' ~ pulse_quote(flags.WHICH) ~ ', '
        ~ pulse_run_started_at() ~ ", 'running', " ~ ('true' if flags.FULL_REFRESH else 'false')
        ~ ' where not exists (select 1 from ' ~ relation ~ ' where invocation_id = '
        ~ pulse_quote(invocation_id) ~ ')'
    ) %}
    {%- set sets = [] -%}
    {%- for column, value in values.items() -%}
        {%- do sets.append(column ~ ' = ' ~ value) -%}
    {%- endfor -%}
    {% do run_query(
        'update ' ~ relation ~ ' set ' ~ sets | join(', ')
        ~ ' where invocation_id = ' ~ pulse_quote(invocation_id)
    ) %}
{% endmacro %}

{#- Spark tables (Parquet) take no UPDATE: the log is append-only there. The finished row is
    a copy of the 'running' row with its end; a reader takes the row with finished_at. -#}
{% macro spark__pulse_run_log_finish(relation, values) %}
    {%- set columns = ['invocation_id', 'command', 'started_at', 'finished_at', 'status',
                       'count_models_built', 'count_models_failed', 'count_nodes_failed',
                       'is_full_refresh', 'raw_path', 'timezone', 'window_days',
                       'contract_version', 'vars_json'] -%}
    {%- set running = run_query(
        'select count(*) from ' ~ relation ~ ' where invocation_id = ' ~ pulse_quote(invocation_id)
    ).rows[0][0] -%}
    {%- set selected = [] -%}
    {%- for column in columns -%}
        {%- do selected.append((values[column] | string) if column in values else column) -%}
    {%- endfor -%}
    {%- if running > 0 -%}
        {% do run_query(
            'insert into ' ~ relation ~ ' select ' ~ selected | join(', ') ~ ' from ' ~ relation
            ~ ' where invocation_id = ' ~ pulse_quote(invocation_id) ~ " and status = 'running'"
        ) %}
    {%- else -%}
        {%- set literal = {'invocation_id': pulse_quote(invocation_id), 'command': pulse_quote(flags.WHICH),
                           'started_at': pulse_run_started_at(),
                           'is_full_refresh': ('true' if flags.FULL_REFRESH else 'false')} -%}
        {%- set row = [] -%}
        {%- for column in columns -%}
            {%- do row.append((values[column] | string) if column in values else literal.get(column, 'null')) -%}
        {%- endfor -%}
        {% do run_query('insert into ' ~ relation ~ ' select ' ~ row | join(', ')) %}
    {%- endif -%}
{% endmacro %}
