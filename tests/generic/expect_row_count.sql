{#- The model has exactly `count` rows. -#}
{% test expect_row_count(model, count) %}

select count_rows
from (select count(*) as count_rows from {{ model }}) as counts
where count_rows <> {{ count }}

{% endtest %}
