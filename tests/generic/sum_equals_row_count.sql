{#- Rows in = rows out: the sum of `column` over the model equals the rows of compare_model
    (e.g. the events counted by a daily aggregate equal the staged events). -#}
{% test sum_equals_row_count(model, column, compare_model) %}

select *
from (
    select
        (select coalesce(sum({{ column }}), 0) from {{ model }}) as total_in_model,
        (select count(*) from {{ compare_model }}) as count_compare_rows
) as counts
where total_in_model <> count_compare_rows

{% endtest %}
