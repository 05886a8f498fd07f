{#- Rows in = rows out: the sum of `column` over the model equals the sum of compare_column
    over compare_model (e.g. the events counted by a daily aggregate equal the staged events:
    int_events.num_events, 1 per event, more for an aggregated row). -#}
{% test sums_match(model, column, compare_model, compare_column) %}

select *
from (
    select
        (select coalesce(sum({{ column }}), 0) from {{ model }}) as total_in_model,
        (select coalesce(sum({{ compare_column }}), 0) from {{ compare_model }}) as total_in_compare
) as totals
where total_in_model <> total_in_compare

{% endtest %}
