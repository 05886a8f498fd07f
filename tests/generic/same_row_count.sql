{#- The model has exactly as many rows as compare_model (e.g. one row per dimension member).
    compare_until_as_of (optional): a timestamp column of compare_model; only its rows on or
    before as_of_date (local day, var timezone) are counted. -#}
{% test same_row_count(model, compare_model, compare_until_as_of=none) %}

select *
from (
    select
        (select count(*) from {{ model }}) as count_model_rows,
        (
            select count(*) from {{ compare_model }}
            {%- if compare_until_as_of %}
            where
                cast({{ pulse_local_timestamp(compare_until_as_of) }} as date)
                <= (select as_of_date from {{ ref('dim_report_window') }})
            {%- endif %}
        ) as count_compare_rows
) as counts
where count_model_rows <> count_compare_rows

{% endtest %}
