{#- The column holds `value` in at least one row (a seed row other rules fall back on). -#}
{% test contains_value(model, column_name, value) %}

select {{ pulse_quote(value) }} as missing_value
where not exists (
    select 1 from {{ model }} where {{ column_name }} = {{ pulse_quote(value) }}
)

{% endtest %}
