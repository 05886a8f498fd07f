{#-
    The incremental history models (fct_account_usage_daily, fct_visitor_usage_daily,
    fct_engagement_scores_daily, and the account, visitor and company health histories) write one row per account (or engagement scope) and
    metric_date and stamp each row with _pulse_source_batch_at, the latest batch of their
    upstream model they were computed from. On an incremental run they
    recompute the metric days from the earliest day their upstream rebuilt since then, and
    end on as_of_date: after a run with an earlier as_of_date (rebuilding last week) the days
    after it are deleted (pulse_delete_days_after_as_of, a post-hook), so the history always
    ends on the as_of_date of the last run, whichever way it moved.
-#}

{#- The config of every history model (one row per key and metric_date): incremental by
    metric day, partitioned by it (Spark), the days after as_of_date deleted after each run. -#}
{% macro pulse_history_config() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy=pulse_incremental_strategy(),
        unique_key='metric_date',
        partition_by=pulse_partition_by('metric_date'),
        on_schema_change='fail',
        post_hook="{{ pulse_delete_days_after_as_of('metric_date') }}",
    ) }}
{%- endmacro %}


{#- CTEs source_batch (the latest batch of `upstream`, stamped on the rows written), and on
    incremental runs previous_run and changed_days; each ends with a comma. -#}
{% macro pulse_changed_days_ctes(upstream, batch_column, date_column) -%}
source_batch as (

    select max({{ batch_column }}) as source_batch_at
    from {{ upstream }}

),
    {%- if is_incremental() %}
previous_run as (

    select
        max(_pulse_source_batch_at) as source_batch_at,
        max(metric_date) as last_metric_date
    from {{ this }}

),

changed_days as (

    select min({{ upstream }}.{{ date_column }}) as first_changed_date
    from {{ upstream }}
    cross join previous_run
    where {{ upstream }}.{{ batch_column }} > previous_run.source_batch_at

),
    {%- endif %}
{%- endmacro %}


{#- CTE bounds (start_date, end_date): the metric days to write, from
    pulse_incremental_start_date over the data's first activity day to as_of_date. Needs the
    CTEs report_window and those of pulse_changed_days_ctes; ends with a comma. -#}
{% macro pulse_incremental_bounds_cte(recompute_days=0) -%}
bounds as (

    select
        {{ pulse_incremental_start_date('report_window.first_activity_date', recompute_days) }} as start_date,
        report_window.as_of_date as end_date
    from report_window
    {%- if is_incremental() %}
        cross join previous_run
        cross join changed_days
    {%- endif %}

),
{%- endmacro %}


{#- The first metric day to write: on a full build full_start; on an incremental run the
    earliest changed day, or the day after the last one written, and at least the last
    recompute_days days. Needs the CTEs above cross-joined in. -#}
{% macro pulse_incremental_start_date(full_start, recompute_days=0) -%}
    {%- if is_incremental() -%}
        coalesce(
            least(
                coalesce(changed_days.first_changed_date, {{ pulse_add_days('previous_run.last_metric_date', 1) }}),
                {{ pulse_add_days('previous_run.last_metric_date', 1 - recompute_days) }}
            ),
            {{ full_start }}
        )
    {%- else -%}
        {{ full_start }}
    {%- endif -%}
{%- endmacro %}


{#- Post-hook of the history models: delete the days after as_of_date (left by a run with a
    later as_of_date). Nothing to delete on a full build or when as_of_date moved forward. -#}
{% macro pulse_delete_days_after_as_of(date_column='metric_date') -%}
    {{ return(adapter.dispatch('pulse_delete_days_after_as_of', 'customer_pulse')(date_column)) }}
{%- endmacro %}

{% macro default__pulse_delete_days_after_as_of(date_column) -%}
    delete from {{ this }}
    where {{ date_column }} > (select as_of_date from {{ ref('dim_report_window') }})
{%- endmacro %}

{#- Spark (Parquet tables take no DELETE): the table is partitioned by the date column, so
    the days after as_of_date are dropped as partitions. -#}
{% macro spark__pulse_delete_days_after_as_of(date_column) -%}
    {%- if execute -%}
        {%- set days = run_query(
            'select distinct cast(' ~ date_column ~ ' as string) from ' ~ this ~ ' where ' ~ date_column
            ~ ' > (select as_of_date from ' ~ ref('dim_report_window') ~ ')'
        ).columns[0].values() -%}
        {%- for day in days -%}
            {% do run_query('alter table ' ~ this ~ ' drop if exists partition (' ~ date_column ~ " = date'" ~ day ~ "')") %}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{#- Incremental strategy of the models that replace rows by a unique key (the staged
    events): delete+insert on DuckDB and PostgreSQL; on Spark (no DELETE on Parquet tables)
    insert_overwrite without partitions, which get_insert_overwrite_sql below turns into the
    same replace-by-key. -#}
{% macro pulse_key_incremental_strategy() -%}
    {{ return('insert_overwrite' if target.type == 'spark' else 'delete+insert') }}
{%- endmacro %}


{#- dbt-spark's insert_overwrite (this project's override, Spark only): a model with a
    unique_key and no partition_by gets delete+insert semantics: the rows of the table whose
    key is not in the new rows, plus the new rows, are written to a stage table, which then
    overwrites the table (Spark cannot overwrite a table it reads in the same statement).
    Anything else is dbt-spark's own statement. -#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) %}
    {%- set dest_columns = adapter.get_columns_in_relation(target_relation) -%}
    {%- set dest_cols_csv = dest_columns | map(attribute='quoted') | join(', ') -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- if unique_key and not config.get('partition_by') and not existing_relation.is_iceberg -%}
        {%- set keys = [unique_key] if unique_key is string else unique_key -%}
        {%- set stage = target_relation.incorporate(path={'identifier': target_relation.identifier ~ '__pulse_stage'}) -%}
        {%- set kept_columns = [] -%}
        {%- for column in dest_columns -%}
            {%- do kept_columns.append('kept.' ~ column.quoted) -%}
        {%- endfor -%}
        {%- set matches = [] -%}
        {%- for key in keys -%}
            {%- do matches.append('kept.' ~ key ~ ' = new_rows.' ~ key) -%}
        {%- endfor -%}
        {% do run_query('drop table if exists ' ~ stage) %}
        {% do run_query(
            'create table ' ~ stage ~ ' using parquet as select ' ~ kept_columns | join(', ')
            ~ ' from ' ~ target_relation ~ ' as kept left anti join ' ~ source_relation ~ ' as new_rows on '
            ~ matches | join(' and ') ~ ' union all select ' ~ dest_cols_csv ~ ' from ' ~ source_relation
        ) %}
        insert overwrite table {{ target_relation }}
        select {{ dest_cols_csv }} from {{ stage }}
    {%- elif existing_relation.is_iceberg -%}
        insert overwrite {{ target_relation }}
        select {{ dest_cols_csv }} from {{ source_relation }}
    {%- else -%}
        insert overwrite table {{ target_relation }}
        {{ partition_cols(label="partition") }}
        select {{ dest_cols_csv }} from {{ source_relation }}
    {%- endif -%}
{% endmacro %}
