{#-
    Date and time helpers for the marts, dispatched per target so the same models run on
    DuckDB, PostgreSQL and Spark. All timestamps in the project are UTC without time zone;
    calendar days are days in var('timezone') (README "Definitions").
-#}

{#- A UTC timestamp -> the same instant as wall-clock time in var('timezone'). -#}
{% macro pulse_local_timestamp(expr) -%}
    {%- set tz = var('timezone', 'UTC') -%}
    {%- if tz | upper in ('UTC', 'ETC/UTC', 'Z') -%}
        {{ expr }}
    {%- else -%}
        {{ return(adapter.dispatch('pulse_local_timestamp', 'customer_pulse')(expr, tz)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__pulse_local_timestamp(expr, tz) -%}
    cast((({{ expr }}) at time zone 'UTC') at time zone '{{ tz }}' as timestamp)
{%- endmacro %}

{% macro spark__pulse_local_timestamp(expr, tz) -%}
    from_utc_timestamp({{ expr }}, '{{ tz }}')
{%- endmacro %}


{#- date + n days (n may be an expression), as a date. -#}
{% macro pulse_add_days(date_expr, days) -%}
    {{ return(adapter.dispatch('pulse_add_days', 'customer_pulse')(date_expr, days)) }}
{%- endmacro %}

{% macro default__pulse_add_days(date_expr, days) -%}
    cast(cast({{ date_expr }} as date) + cast({{ days }} as integer) as date)
{%- endmacro %}

{% macro spark__pulse_add_days(date_expr, days) -%}
    date_add(cast({{ date_expr }} as date), cast({{ days }} as int))
{%- endmacro %}


{#- Whole days from start_date to end_date (end - start), as a bigint. -#}
{% macro pulse_days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('pulse_days_between', 'customer_pulse')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__pulse_days_between(start_date, end_date) -%}
    cast(cast({{ end_date }} as date) - cast({{ start_date }} as date) as {{ pulse_type('bigint') }})
{%- endmacro %}

{% macro spark__pulse_days_between(start_date, end_date) -%}
    cast(datediff(cast({{ end_date }} as date), cast({{ start_date }} as date)) as {{ pulse_type('bigint') }})
{%- endmacro %}


{#- Fractional days between two timestamps (end - start). -#}
{% macro pulse_days_between_timestamps(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('pulse_days_between_timestamps', 'customer_pulse')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__pulse_days_between_timestamps(start_ts, end_ts) -%}
    (extract(epoch from cast({{ end_ts }} as timestamp)) - extract(epoch from cast({{ start_ts }} as timestamp)))
    / 86400.0
{%- endmacro %}

{% macro spark__pulse_days_between_timestamps(start_ts, end_ts) -%}
    (unix_timestamp({{ end_ts }}) - unix_timestamp({{ start_ts }})) / 86400.0
{%- endmacro %}


{#- Monday of the ISO week / first day of the month of a date, as a date. -#}
{% macro pulse_week_start(date_expr) -%}
    cast({{ dbt.date_trunc('week', 'cast(' ~ date_expr ~ ' as date)') }} as date)
{%- endmacro %}

{% macro pulse_month_start(date_expr) -%}
    cast({{ dbt.date_trunc('month', 'cast(' ~ date_expr ~ ' as date)') }} as date)
{%- endmacro %}


{#- A one-column relation `date_day` with every day from start_column to end_column
    (inclusive) of each row of `relation` (normally a one-row CTE of bounds). -#}
{% macro pulse_date_spine(relation, start_column, end_column) -%}
    {{ return(adapter.dispatch('pulse_date_spine', 'customer_pulse')(relation, start_column, end_column)) }}
{%- endmacro %}

{% macro duckdb__pulse_date_spine(relation, start_column, end_column) -%}
    select
        cast(
            unnest(generate_series(cast({{ start_column }} as timestamp), cast({{ end_column }} as timestamp), interval 1 day))
            as date
        ) as date_day
    from {{ relation }}
{%- endmacro %}

{% macro postgres__pulse_date_spine(relation, start_column, end_column) -%}
    select
        cast(
            generate_series(cast({{ start_column }} as timestamp), cast({{ end_column }} as timestamp), interval '1 day')
            as date
        ) as date_day
    from {{ relation }}
{%- endmacro %}

{% macro spark__pulse_date_spine(relation, start_column, end_column) -%}
    select explode(sequence(cast({{ start_column }} as date), cast({{ end_column }} as date))) as date_day
    from {{ relation }}
{%- endmacro %}


{#- num / den rounded to `digits` decimals, as a double; null when den is 0 or null.
    (A double renders the same on every target: 0.75, not 0.7500.) -#}
{% macro pulse_ratio(numerator, denominator, digits=4) -%}
    {{ pulse_round(
        'cast(' ~ numerator ~ ' as ' ~ dbt.type_numeric() ~ ') / nullif(' ~ denominator ~ ', 0)', digits
    ) }}
{%- endmacro %}

{#- expr rounded to `digits` decimals, as a double. -#}
{% macro pulse_round(expr, digits) -%}
    cast(round(cast({{ expr }} as numeric(38, 10)), {{ digits }}) as {{ pulse_type('double') }})
{%- endmacro %}


{#- num / den unrounded (the caller casts the result to a double). DuckDB divides a decimal
    such as 100.0 * n as a double; Spark keeps it a DECIMAL and cuts its scale to fit 38
    digits (33.33333333333333 for 100 / 3, not the double 33.333333333333336), so there the
    numerator is made a double first and the quotient is DuckDB's to the last bit. -#}
{% macro pulse_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('pulse_divide', 'customer_pulse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__pulse_divide(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }}
{%- endmacro %}

{% macro spark__pulse_divide(numerator, denominator) -%}
    cast({{ numerator }} as {{ pulse_type('double') }}) / {{ denominator }}
{%- endmacro %}


{#- Continuous percentile (0-1) as an aggregate. -#}
{% macro pulse_percentile(expr, fraction) -%}
    {{ return(adapter.dispatch('pulse_percentile', 'customer_pulse')(expr, fraction)) }}
{%- endmacro %}

{% macro duckdb__pulse_percentile(expr, fraction) -%}
    quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro default__pulse_percentile(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}

{% macro spark__pulse_percentile(expr, fraction) -%}
    percentile({{ expr }}, {{ fraction }})
{%- endmacro %}


{#- A quoted, comma-separated SQL list of the strings in `values` (lower-cased). -#}
{% macro pulse_sql_list(values) -%}
    {%- for value in values -%}
        '{{ value | lower | replace("'", "''") }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#- The run's start time as a UTC timestamp literal (stamps the rows an incremental run wrote). -#}
{% macro pulse_run_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{#- as_of_date var as a SQL date literal, or none when unset. A malformed value is a clear error
    (pulse_as_of_date, macros/checks/check_vars.sql). -#}
{% macro pulse_as_of_date_literal() -%}
    {%- set value = pulse_as_of_date() -%}
    {{ return(none if value is none else "cast('" ~ value ~ "' as date)") }}
{%- endmacro %}


{#- Incremental settings that work on every target: delete+insert by a date column on DuckDB
    and PostgreSQL; insert_overwrite of date partitions on Spark (no delete+insert there). -#}
{% macro pulse_incremental_strategy() -%}
    {{ return('insert_overwrite' if target.type == 'spark' else 'delete+insert') }}
{%- endmacro %}

{% macro pulse_partition_by(column) -%}
    {{ return(column if target.type == 'spark' else none) }}
{%- endmacro %}


{#- The integers 0..n as a one-column relation `n`. -#}
{% macro pulse_integers(n) -%}
    {%- for i in range(n + 1) %}
    select {{ i }} as n{{ ' union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- Incremental daily facts: keep only the local days touched by the events staged since
    the last run (every staged event carries the _load_id of the landing that brought it; the
    fact stores the highest it has seen as _pulse_load_id), plus the days a re-delivery moved
    an event away from, also when that re-delivery was then quarantined by the checks across
    tables (int_events_checked: the model using this names it in a depends_on comment). Late
    events of any age are found: no look-back window (with the source's tables read in place,
    the loads of var source_load_lookback_seconds are taken again: pulse_loads_after).
    Renders nothing on a full build. -#}
{% macro pulse_touched_days_filter(events) -%}
    {%- if is_incremental() -%}
        where activity_date in (
            select activity_date
            from {{ events }}
            where {{ pulse_loads_after('select coalesce(max(_pulse_load_id), 0) from ' ~ this) }}
            union
            select _replaced_activity_date
            from {{ events }}
            where {{ pulse_loads_after('select coalesce(max(_pulse_load_id), 0) from ' ~ this) }}
                and _replaced_activity_date is not null
            union
            select cast({{ pulse_local_timestamp('_replaced_occurred_at') }} as date)
            from {{ ref('int_events_checked') }}
            where {{ pulse_loads_after('select coalesce(max(_pulse_load_id), 0) from ' ~ this) }}
                and _replaced_occurred_at is not null
                and rejection_reason is not null
        )
    {%- endif -%}
{%- endmacro %}


{#-
    Distinct members (visitors, features, ...) per account over a rolling window, for every day
    of `spine` (one column date_day). `uses` has one row per account_id, member and
    activity_date. A member used on day u counts on metric days u .. u + window_days - 1, cut
    at its next use, so each (member, metric day) pair appears once: no 30x join.
    member_column may name several columns ('visitor_id, feature_id': distinct pairs);
    partition_columns replace account_id as the grouping (e.g. engagement_scope, scope_id).
    Returns the partition columns, metric_date, <count_column>.
-#}
{% macro pulse_rolling_distinct_count(
    uses, member_column, spine, window_days, count_column, partition_columns=['account_id']
) -%}
    {%- set partition = partition_columns | join(', ') -%}
    select
        {%- for column in partition_columns %}
        coverage.{{ column }},
        {%- endfor %}
        {{ spine }}.date_day as metric_date,
        count(*) as {{ count_column }}
    from (
        select
            {{ partition }},
            activity_date as covered_from_date,
            {{ pulse_add_days('activity_date', window_days - 1) }} as window_end_date,
            {{ pulse_add_days(
                'lead(activity_date) over (partition by ' ~ partition ~ ', ' ~ member_column ~ ' order by activity_date)', -1
            ) }} as next_use_eve_date
        from {{ uses }}
    ) as coverage
    inner join {{ spine }}
        on
            coverage.covered_from_date <= {{ spine }}.date_day
            and coverage.window_end_date >= {{ spine }}.date_day
            and (coverage.next_use_eve_date is null or coverage.next_use_eve_date >= {{ spine }}.date_day)
    group by
        {%- for column in partition_columns %}
        coverage.{{ column }},
        {%- endfor %}
        {{ spine }}.date_day
{%- endmacro %}


{#- The calendar year of a date, as an integer (integer, not bigint: Spark's add_months takes an int). -#}
{% macro pulse_year(date_expr) -%}
    cast(extract(year from {{ date_expr }}) as integer)
{%- endmacro %}
