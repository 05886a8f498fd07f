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
