{#- The model has exactly as many rows as compare_model (e.g. one row per dimension member). -#}
{% test same_row_count(model, compare_model) %}

select *
from (
    select
        (select count(*) from {{ model }}) as count_model_rows,
        (select count(*) from {{ compare_model }}) as count_compare_rows
) as counts
where count_model_rows <> count_compare_rows

{% endtest %}
