{#- An absolute path: absolute paths stay, relative ones are taken from the project root
    (PULSE_PROJECT_DIR, set by the Makefile and `pulse`; else the current directory). -#}
{% macro pulse_resolve_path(path) %}
    {%- if path.startswith('/') -%}
        {{ return(path) }}
    {%- else -%}
        {{ return(env_var('PULSE_PROJECT_DIR', '.').rstrip('/') ~ '/' ~ path) }}
    {%- endif -%}
{% endmacro %}

{% macro pulse_raw_path() %}
    {{ return(pulse_resolve_path(env_var('PULSE_RAW_PATH', 'data/raw')).rstrip('/')) }}
{% endmacro %}
