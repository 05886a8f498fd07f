{#-
    on-run-end: log every `dbt run` / `dbt build` in <schema>.pulse_dbt_runs (one row per
    invocation: id, command, start and end, status, models built and failed). `pulse export`
    reads the latest row: it refuses to export marts older than the last dbt run (a run that
    failed part-way leaves some marts from before it).
-#}
{% macro pulse_on_run_end(results) %}
    {%- if execute and flags.WHICH in ('run', 'build') -%}
        {%- set models = results | selectattr('node.resource_type', 'equalto', 'model') | list -%}
        {%- set failed = models | rejectattr('status', 'in', ['success']) | list -%}
        {%- set all_failed = results | selectattr('status', 'in', ['error', 'fail']) | list -%}
        {%- set relation = target.schema ~ '.pulse_dbt_runs' -%}
        {% do run_query('create schema if not exists ' ~ target.schema) %}
        {% do run_query(
            'create table if not exists ' ~ relation ~ ' (invocation_id varchar(64), command varchar(20), '
            ~ 'started_at timestamp, finished_at timestamp, status varchar(20), count_models_built integer, '
            ~ 'count_models_failed integer, count_nodes_failed integer, is_full_refresh boolean)'
        ) %}
        {% do run_query(
            'insert into ' ~ relation ~ ' values ('
            ~ "'" ~ invocation_id ~ "', '" ~ flags.WHICH ~ "', "
            ~ pulse_run_started_at() ~ ", "
            ~ "cast('" ~ modules.datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp), "
            ~ "'" ~ ('success' if (all_failed | length) == 0 and (failed | length) == 0 else 'error') ~ "', "
            ~ (models | length - failed | length) ~ ", " ~ (failed | length) ~ ", " ~ (all_failed | length) ~ ", "
            ~ ('true' if flags.FULL_REFRESH else 'false') ~ ")"
        ) %}
        {% if target.type == 'postgres' %}{% do run_query('commit') %}{% endif %}
    {%- endif -%}
    select 1
{% endmacro %}
