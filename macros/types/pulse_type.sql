{#-
    The name of a mart column type on the current target, from var pulse_types (the same
    mapping the mart contracts' data_type read): bigint, double, date, timestamp, varchar or
    boolean. Use it where a mart casts: cast(sum(x) as {{ pulse_type('bigint') }}).
-#}
{% macro pulse_type(name) -%}
    {%- set types = var('pulse_types').get(target.type) -%}
    {%- if types is none or name not in types -%}
        {{ exceptions.raise_compiler_error(
            "pulse_type: no type " ~ name ~ " for target type " ~ target.type
            ~ " in var pulse_types (dbt_project.yml)"
        ) }}
    {%- endif -%}
    {{- return(types[name]) -}}
{%- endmacro %}


{#- A column type as the warehouse names it, in the words of var pulse_types (lower case,
    PostgreSQL's `timestamp without time zone` as `timestamp`). -#}
{% macro pulse_normal_type(data_type) -%}
    {{- return((data_type or '') | lower | replace(' without time zone', '') | trim) -}}
{%- endmacro %}
