{#-
    Rows read = rows staged + rows quarantined + duplicates removed, for one raw table.
    "Read" is counted on the raw side (the landed rows plus the lines that could not be
    parsed), independently of the staging models, so a lost, doubled or fanned-out row fails.
    The raw side of a table a source system builds (source_systems.sql) is the
    raw_<system>__<table> model and the unparseable lines of the system's tables.
    Returns one row (the counts) when they do not add up.
-#}
{% test reconciles_with_raw(model, source_name, table_name, rejected_model, duplicates_model=none) %}
{%- set raw_table = pulse_raw_relation(source_name, table_name) %}
{%- set unparseable_table = pulse_unparseable_relation(source_name, table_name) %}

with

counts as (

    select
        (select count(*) from {{ raw_table }}) as count_raw_rows,
        (select count(*) from {{ unparseable_table }}) as count_unparseable_lines,
        (select count(*) from {{ model }}) as count_staged,
        (select count(*) from {{ rejected_model }}) as count_quarantined,
        {% if duplicates_model is not none -%}
        (select count(*) from {{ duplicates_model }})
        {%- else -%}
        0
        {%- endif %} as count_duplicates_removed

)

select *
from counts
where count_raw_rows + count_unparseable_lines
    <> count_staged + count_quarantined + count_duplicates_removed

{% endtest %}
