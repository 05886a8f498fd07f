{#-
    Safe parsing of raw text, one macro per target type. Each returns NULL for text that does
    not parse, so staging can tell "missing" (raw text null) from "invalid" (raw text present,
    parsed value null) and quarantine the row with a reason instead of failing the build.
    Dialect differences go through adapter.dispatch.
-#}

{#- Trimmed text, NULL when empty. -#}
{% macro pulse_clean_text(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}

{#- ISO-8601 shapes accepted for timestamps: date, date + time, optional fraction, optional offset. -#}
{% macro pulse_iso_timestamp_pattern() -%}
    {{ return('[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?)?') }}
{%- endmacro %}

{% macro pulse_regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('pulse_regex_full_match', 'customer_pulse')(expr, pattern)) }}
{%- endmacro %}

{% macro default__pulse_regex_full_match(expr, pattern) -%}
    ({{ expr }} ~ '^({{ pattern }})$')
{%- endmacro %}

{% macro duckdb__pulse_regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__pulse_regex_full_match(expr, pattern) -%}
    ({{ expr }} rlike '^({{ pattern }})$')
{%- endmacro %}


{#- Text -> UTC timestamp (no time zone). No offset in the text means UTC (README "Your own data"). -#}
{% macro pulse_parse_timestamp(expr) -%}
    {{ return(adapter.dispatch('pulse_parse_timestamp', 'customer_pulse')(expr)) }}
{%- endmacro %}

{% macro duckdb__pulse_parse_timestamp(expr) -%}
    case
        when {{ pulse_regex_full_match(expr, pulse_iso_timestamp_pattern()) }}
            then
                case
                    when regexp_matches({{ expr }}, '[0-9](Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$')
                        then timezone('UTC', try_cast(upper({{ expr }}) as timestamptz))
                    else try_cast({{ expr }} as timestamp)
                end
    end
{%- endmacro %}

{#- Spark (session time zone UTC, spark.sql.ansi.enabled false): a cast that does not parse
    is NULL, an offset is applied by the cast. -#}
{% macro spark__pulse_parse_timestamp(expr) -%}
    case
        when {{ pulse_regex_full_match(expr, pulse_iso_timestamp_pattern()) }}
            then cast(upper({{ expr }}) as timestamp)
    end
{%- endmacro %}

{% macro postgres__pulse_parse_timestamp(expr) -%}
    {{ target.schema }}.pulse_try_timestamp_utc({{ expr }})
{%- endmacro %}


{#- The reverse, for a value that goes back to the parsers: a UTC timestamp (no time zone)
    as ISO-8601 text, YYYY-MM-DDTHH:MM:SS.ffffff, the same on every engine (their casts to
    text differ: a T or a space, the fraction, an offset in the session's time zone; and a
    PostgreSQL client other than dbt's psycopg2, which sets DateStyle ISO, may print another
    style). -#}
{% macro pulse_timestamp_text(expr) -%}
    {{ return(adapter.dispatch('pulse_timestamp_text', 'customer_pulse')(expr)) }}
{%- endmacro %}

{% macro duckdb__pulse_timestamp_text(expr) -%}
    strftime({{ expr }}, '%Y-%m-%dT%H:%M:%S.%f')
{%- endmacro %}

{#- infinity and BC stay as PostgreSQL prints them, to be quarantined as invalid (to_char
    gives null for the first and drops the era of the second) -#}
{% macro postgres__pulse_timestamp_text(expr) -%}
    case
        when isfinite({{ expr }}) and {{ expr }} >= timestamp '0001-01-01'
            then to_char({{ expr }}, 'YYYY-MM-DD"T"HH24:MI:SS.US')
        else cast({{ expr }} as text)
    end
{%- endmacro %}

{% macro spark__pulse_timestamp_text(expr) -%}
    date_format({{ expr }}, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS")
{%- endmacro %}

{#- A date as YYYY-MM-DD text, whatever the session's date style. -#}
{% macro pulse_date_text(expr) -%}
    {{ return(adapter.dispatch('pulse_date_text', 'customer_pulse')(expr)) }}
{%- endmacro %}

{% macro duckdb__pulse_date_text(expr) -%}
    strftime({{ expr }}, '%Y-%m-%d')
{%- endmacro %}

{% macro postgres__pulse_date_text(expr) -%}
    case
        when isfinite({{ expr }}) and {{ expr }} >= date '0001-01-01' then to_char({{ expr }}, 'YYYY-MM-DD')
        else cast({{ expr }} as text)
    end
{%- endmacro %}

{% macro spark__pulse_date_text(expr) -%}
    date_format({{ expr }}, 'yyyy-MM-dd')
{%- endmacro %}

{#- A timestamp with time zone as the UTC timestamp (no time zone) the parsers return.
    Spark's timestamp is already an instant, printed in the session time zone (UTC). -#}
{% macro pulse_utc_instant(expr) -%}
    {{ return(adapter.dispatch('pulse_utc_instant', 'customer_pulse')(expr)) }}
{%- endmacro %}

{% macro duckdb__pulse_utc_instant(expr) -%}
    timezone('UTC', {{ expr }})
{%- endmacro %}

{% macro postgres__pulse_utc_instant(expr) -%}
    ({{ expr }} at time zone 'UTC')
{%- endmacro %}

{% macro spark__pulse_utc_instant(expr) -%}
    {{ expr }}
{%- endmacro %}


{#- Text -> date (YYYY-MM-DD). -#}
{% macro pulse_parse_date(expr) -%}
    {{ return(adapter.dispatch('pulse_parse_date', 'customer_pulse')(expr)) }}
{%- endmacro %}

{% macro duckdb__pulse_parse_date(expr) -%}
    case
        when {{ pulse_regex_full_match(expr, '[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
            then try_cast({{ expr }} as date)
    end
{%- endmacro %}

{% macro spark__pulse_parse_date(expr) -%}
    case
        when {{ pulse_regex_full_match(expr, '[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
            then cast({{ expr }} as date)
    end
{%- endmacro %}

{% macro postgres__pulse_parse_date(expr) -%}
    {{ target.schema }}.pulse_try_date({{ expr }})
{%- endmacro %}


{#- Text -> decimal number (plain notation, optional sign and fraction). -#}
{% macro pulse_parse_number(expr) -%}
    {{ return(adapter.dispatch('pulse_parse_number', 'customer_pulse')(expr)) }}
{%- endmacro %}

{% macro default__pulse_parse_number(expr) -%}
    case
        when {{ pulse_regex_full_match(expr, '[+-]?[0-9]{1,15}([.][0-9]{1,6})?') }}
            then cast({{ expr }} as decimal(21, 6))
    end
{%- endmacro %}


{#- Text -> integer (optional sign, optional ".0"). -#}
{% macro pulse_parse_integer(expr) -%}
    {{ return(adapter.dispatch('pulse_parse_integer', 'customer_pulse')(expr)) }}
{%- endmacro %}

{% macro default__pulse_parse_integer(expr) -%}
    case
        when {{ pulse_regex_full_match(expr, '[+-]?[0-9]{1,9}([.]0+)?') }}
            then cast(cast({{ expr }} as decimal(12, 2)) as integer)
    end
{%- endmacro %}


{#- Text -> boolean; NULL for text that is no boolean. -#}
{% macro pulse_parse_boolean(expr) -%}
    case
        when lower({{ expr }}) in ('true', 't', 'yes', 'y', '1') then true
        when lower({{ expr }}) in ('false', 'f', 'no', 'n', '0') then false
    end
{%- endmacro %}


{#- PostgreSQL: the functions behind pulse_parse_timestamp / pulse_parse_date (created by
    on-run-start; PostgreSQL has no try_cast and accepts words such as 'yesterday'). -#}
{% macro pulse_create_parse_functions() %}
    {%- set pattern = pulse_iso_timestamp_pattern() -%}
    {%- set ddl -%}
        create schema if not exists {{ target.schema }};

        create or replace function {{ target.schema }}.pulse_try_timestamp_utc(value text)
        returns timestamp language plpgsql immutable as $$
        begin
            if value is null or value !~ '^({{ pattern }})$' then
                return null;
            end if;
            if value ~ '[0-9](Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$' then
                return (upper(value)::timestamptz at time zone 'UTC');
            end if;
            return upper(value)::timestamp;
        exception when others then
            return null;
        end;
        $$;

        create or replace function {{ target.schema }}.pulse_try_date(value text)
        returns date language plpgsql immutable as $$
        begin
            if value is null or value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then
                return null;
            end if;
            return value::date;
        exception when others then
            return null;
        end;
        $$;
    {%- endset -%}
    {% do run_query(ddl) %}
{% endmacro %}
