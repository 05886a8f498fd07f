{#-
    on-run-start, first entry: validate the dbt vars before anything is built, so a wrong
    setup fails with one line instead of cryptic test failures or a silently green build.
    - every var passed with --vars must be declared in dbt_project.yml (closest name suggested);
    - window_days is a whole number >= 1; every other var declared with a whole-number
      default is a number >= 0;
    - timezone is a time zone the target database knows (IANA name);
    - as_of_date, when set, is a calendar date YYYY-MM-DD;
    - source_system is one of pulse_source_systems() (source_systems.sql).
    Whether as_of_date lies inside the data is only known once the events are staged: that is a
    warning of dim_report_window (pulse_warn_as_of_date_outside_data), not a failure.
    window_days and as_of_date are also checked where the models read them (pulse_window_days,
    pulse_as_of_date), which covers `dbt compile` and `dbt show`: dbt 1.11 runs no on-run-start
    hook for them. Hooks render at parse time too (execute is false then): this one does nothing
    for parse, docs and deps.
-#}
{% macro pulse_check_vars() %}
    {%- if execute and flags.WHICH in ('run', 'build', 'test', 'seed', 'compile', 'show', 'retry') -%}
        {%- do pulse_check_var_names() -%}
        {%- do pulse_check_var_numbers() -%}
        {%- do pulse_check_timezone() -%}
        {%- do pulse_as_of_date() -%}
        {%- do pulse_source_system() -%}
    {%- endif -%}
    select 1
{% endmacro %}


{#- Names of the vars declared in dbt_project.yml (global or scoped to this project). -#}
{% macro pulse_declared_vars() %}
    {%- set declared = adapter.config.vars.to_dict() -%}
    {%- set names = [] -%}
    {%- for name, value in declared.items() -%}
        {%- if name == project_name and value is mapping -%}
            {%- do names.extend(value.keys() | list) -%}
        {%- else -%}
            {%- do names.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{#- The vars passed on the command line (--vars), as a dict. -#}
{% macro pulse_cli_vars() %}
    {%- set cli_vars = invocation_args_dict.get('vars') or {} -%}
    {%- if cli_vars is string -%}
        {%- set cli_vars = fromyaml(cli_vars) or {} -%}
    {%- endif -%}
    {{ return(cli_vars) }}
{% endmacro %}


{#- Levenshtein distance between two strings (insertions, deletions, substitutions). -#}
{% macro pulse_edit_distance(a, b) %}
    {%- set ns = namespace(previous=range(b | length + 1) | list) -%}
    {%- for i in range(1, a | length + 1) -%}
        {%- set current = [i] -%}
        {%- for j in range(1, b | length + 1) -%}
            {%- set substitution = ns.previous[j - 1] + (0 if a[i - 1] == b[j - 1] else 1) -%}
            {%- do current.append([ns.previous[j] + 1, current[j - 1] + 1, substitution] | min) -%}
        {%- endfor -%}
        {%- set ns.previous = current -%}
    {%- endfor -%}
    {{ return(ns.previous[b | length]) }}
{% endmacro %}


{#- The declared name closest to `name`, or none when nothing is close (like difflib's
    get_close_matches with cutoff 0.6: at most 40% of the longer name differs). -#}
{% macro pulse_closest_var(name, candidates) %}
    {%- set ns = namespace(best=none, best_distance=none) -%}
    {%- for candidate in candidates | sort -%}
        {%- set distance = pulse_edit_distance(name | lower, candidate | lower) -%}
        {%- if ns.best_distance is none or distance < ns.best_distance -%}
            {%- set ns.best = candidate -%}
            {%- set ns.best_distance = distance -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if ns.best is not none and ns.best_distance <= 0.4 * ([name | length, ns.best | length] | max) -%}
        {{ return(ns.best) }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{% macro pulse_check_var_names() %}
    {%- set declared = pulse_declared_vars() -%}
    {%- set unknown = [] -%}
    {%- for name in pulse_cli_vars().keys() | map('string') | sort if name not in declared -%}
        {%- set closest = pulse_closest_var(name, declared) -%}
        {%- do unknown.append("'" ~ name ~ "'" ~ (" (did you mean '" ~ closest ~ "'?)" if closest else '')) -%}
    {%- endfor -%}
    {%- if unknown -%}
        {{ exceptions.raise_compiler_error(
            "Customer Pulse: unknown var" ~ ('s' if unknown | length > 1 else '') ~ " " ~ unknown | join(', ')
            ~ ". Declared vars are in dbt_project.yml.") }}
    {%- endif -%}
{% endmacro %}


{#- var('window_days'), checked: a whole number >= 1. The models read it through this macro:
    a value that is not a whole number would break their Jinja arithmetic while dbt parses them
    (before any hook), so that fails here with this line; the range is checked once executing
    (parse keeps accepting what it accepted before). -#}
{% macro pulse_window_days() %}
    {%- set value = var('window_days') -%}
    {%- if value is boolean or value is not integer or (execute and value < 1) -%}
        {{ exceptions.raise_compiler_error(
            "Customer Pulse: var window_days must be a whole number of days >= 1, got '" ~ value ~ "'.") }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{#- window_days: see pulse_window_days. Every other var declared with a whole-number default
    (day counts, thresholds, scores): a number >= 0. -#}
{% macro pulse_check_var_numbers() %}
    {%- do pulse_window_days() -%}
    {%- set declared = adapter.config.vars.to_dict() -%}
    {%- for name in pulse_declared_vars() | sort if name != 'window_days' -%}
        {%- set default = declared[name] if name in declared else declared[project_name][name] -%}
        {%- if default is integer and default is not boolean -%}
            {%- set value = var(name) -%}
            {%- if value is boolean or value is not number or value < 0 -%}
                {{ exceptions.raise_compiler_error(
                    "Customer Pulse: var " ~ name ~ " must be a number >= 0, got '" ~ value ~ "'.") }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{#- timezone: a time zone name the target database knows (the models convert with it). -#}
{% macro pulse_check_timezone() %}
    {%- set tz = var('timezone') | string | trim -%}
    {%- if tz | upper in ('UTC', 'ETC/UTC', 'Z') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set known = adapter.dispatch('pulse_is_known_timezone', 'customer_pulse')(tz) -%}
    {%- if not known -%}
        {{ exceptions.raise_compiler_error(
            "Customer Pulse: var timezone '" ~ tz ~ "' is not a time zone " ~ target.type
            ~ " knows; use an IANA name like 'UTC' or 'Europe/Berlin'.") }}
    {%- endif -%}
{% endmacro %}

{#- the time zone catalogue: a table function on DuckDB, a view on PostgreSQL -#}
{% macro pulse_timezone_names_relation() %}
    {{ return('pg_timezone_names()' if target.type == 'duckdb' else 'pg_timezone_names') }}
{% endmacro %}

{% macro duckdb__pulse_is_known_timezone(tz) %}
    {{ return(postgres__pulse_is_known_timezone(tz)) }}
{% endmacro %}

{% macro postgres__pulse_is_known_timezone(tz) %}
    {%- set found = run_query(
        'select count(*) from ' ~ pulse_timezone_names_relation()
        ~ ' where lower(name) = lower(' ~ pulse_quote(tz) ~ ')'
    ) -%}
    {{ return(found.rows[0][0] > 0) }}
{% endmacro %}

{% macro default__pulse_is_known_timezone(tz) %}
    {{ return(tz | lower in (modules.pytz.all_timezones | map('lower') | list)) }}
{% endmacro %}


{#- var('as_of_date'), checked: none when unset (null), else the date as text YYYY-MM-DD
    (a calendar date: 2026-02-30 is rejected too). pulse_as_of_date_literal reads it through
    this macro, so a wrong value fails with this line already when dbt parses the models. -#}
{% macro pulse_as_of_date() %}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or (value | string | trim) in ('', 'None', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- set match = modules.re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', text) -%}
    {%- set ns = namespace(valid=false) -%}
    {%- if match -%}
        {%- set year, month, day = match.group(1) | int, match.group(2) | int, match.group(3) | int -%}
        {%- if 1 <= year <= 9998 and 1 <= month <= 12 and day >= 1 -%}
            {%- set first_day = modules.datetime.date(year, month, 1) -%}
            {%- set next_month = modules.datetime.date(year + month // 12, month % 12 + 1, 1) -%}
            {%- set ns.valid = day <= (next_month - first_day).days -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not ns.valid -%}
        {{ exceptions.raise_compiler_error(
            "Customer Pulse: var as_of_date must be a date YYYY-MM-DD like 2026-03-31 (or null), got '"
            ~ value ~ "'.") }}
    {%- endif -%}
    {{ return(text) }}
{% endmacro %}


{#-
    post-hook of dim_report_window: warn (never fail) when as_of_date lies outside the activity
    days of the data (first_activity_date .. last_activity_date, the same bounds the default
    as_of_date comes from). Runs only when as_of_date is set; reads the one-row table just built.
-#}
{% macro pulse_warn_as_of_date_outside_data() %}
    {%- if execute and pulse_as_of_date() is not none -%}
        {%- set row = run_query(
            'select cast(as_of_date as ' ~ pulse_type('varchar') ~ '), cast(window_start_date as ' ~ pulse_type('varchar') ~ '), '
            ~ 'cast(first_activity_date as ' ~ pulse_type('varchar') ~ '), cast(last_activity_date as ' ~ pulse_type('varchar') ~ ') from ' ~ this
        ).rows[0] -%}
        {%- set as_of, window_start, first_day, last_day = row[0], row[1], row[2], row[3] -%}
        {%- if first_day is none -%}
            {% do exceptions.warn(
                "Customer Pulse: as_of_date " ~ as_of ~ " is set but the data has no activity day;"
                ~ " current metrics will describe an empty window.") %}
        {%- elif as_of > last_day or as_of < first_day -%}
            {%- set side = 'after the last' if as_of > last_day else 'before the first' -%}
            {%- set empty = window_start > last_day or as_of < first_day -%}
            {% do exceptions.warn(
                "Customer Pulse: as_of_date " ~ as_of ~ " is " ~ side ~ " activity day in the data ("
                ~ (last_day if as_of > last_day else first_day) ~ "); current metrics will describe "
                ~ ("an empty" if empty else "a partly empty") ~ " window.") %}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
