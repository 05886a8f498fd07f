{#- The contract of a model whose component columns follow the seed health_components (it has
    no enforced contract: dbt's contracts are static YAML, the component set is data). Fails
    with one row per problem: a column its yml declares that it lacks, a <component>_<kind>
    column of a seed component it lacks (kinds: score, contribution), or a column it has that
    is neither declared nor a component column. -#}
{% test columns_follow_health_components(model, kinds=['score', 'contribution']) %}

{%- set problems = [] -%}
{%- if execute -%}
    {%- set actual = adapter.get_columns_in_relation(model) | map(attribute='name') | map('lower') | list -%}
    {%- set expected = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.alias | lower == model.identifier | lower -%}
        {%- for column in node.columns -%}
            {%- do expected.append(column | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set component_columns = [] -%}
    {%- for component, metric in pulse_health_metrics() -%}
        {%- for kind in kinds -%}
            {%- do component_columns.append((component ~ '_' ~ kind) | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for column in expected if column not in actual -%}
        {%- do problems.append((column, 'declared in the yml, missing from the model')) -%}
    {%- endfor -%}
    {%- for column in component_columns if column not in actual and column not in expected -%}
        {%- do problems.append((column, 'a component of seed health_components, missing from the model')) -%}
    {%- endfor -%}
    {%- for column in actual if column not in expected and column not in component_columns -%}
        {%- do problems.append((column, 'in the model, neither declared in the yml nor a component column')) -%}
    {%- endfor -%}
{%- endif %}

{%- if problems %}
{%- for column, problem in problems %}
select '{{ column }}' as column_name, '{{ problem }}' as problem
{{- '\nunion all' if not loop.last }}
{%- endfor %}
{%- else %}
select column_name, problem
from (select 'none' as column_name, 'none' as problem) as nothing
where 1 = 0
{%- endif %}

{% endtest %}
