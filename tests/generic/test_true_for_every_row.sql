{#- Every row of the model satisfies `expression` (a SQL boolean over its columns); NULL
    counts as false, so write the NULL case into the expression. -#}
{% test true_for_every_row(model, expression) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
