{#-
    The incremental history models (fct_account_usage_daily, fct_account_health_daily,
    fct_engagement_scores_daily) write one row per account (or engagement scope) and
    metric_date and stamp each row with _pulse_source_batch_at, the latest batch of their
    upstream model they were computed from. On an incremental run they
    recompute the metric days from the earliest day their upstream rebuilt since then, and
    end on as_of_date: after a run with an earlier as_of_date (rebuilding last week) the days
    after it are deleted (pulse_delete_days_after_as_of, a post-hook), so the history always
    ends on the as_of_date of the last run, whichever way it moved.
-#}

{#- CTEs previous_run and changed_days (incremental runs only; each ends with a comma). -#}
{% macro pulse_changed_days_ctes(upstream, batch_column, date_column) -%}
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
    delete from {{ this }}
    where {{ date_column }} > (select as_of_date from {{ ref('dim_report_window') }})
{%- endmacro %}
