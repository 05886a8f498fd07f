{#- The contract of a model whose component columns follow the seed health_components (it has
    no enforced contract: dbt's contracts are static YAML, the component set is data). Fails
    with one row per problem:
    - a column its yml declares that it lacks, or whose type is not the declared data_type;
    - a <component>_<kind> column of a seed component it lacks (kinds: score, contribution), or
      one that is not a double;
    - a column it has that is neither declared, nor a component column, nor a seed metric (a
      model may carry the metric of a component added to the seed). -#}
{% test columns_follow_health_components(model, kinds=['score', 'contribution']) %}

{%- set problems = [] -%}
{%- if execute -%}
    {%- set types = {} -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- do types.update({column.name | lower: pulse_normal_type(column.dtype)}) -%}
    {%- endfor -%}
    {%- set actual = types.keys() | list -%}
    {%- set expected = [] -%}
    {%- set declared_types = {} -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.alias | lower == model.identifier | lower -%}
        {%- for name, column in node.columns.items() -%}
            {%- do expected.append(name | lower) -%}
            {%- if column.data_type -%}
                {%- do declared_types.update({name | lower: pulse_normal_type(column.data_type)}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set double = pulse_normal_type(pulse_type('double')) -%}
    {%- set component_columns = [] -%}
    {%- set metric_columns = [] -%}
    {%- for component, metric in pulse_health_metrics() -%}
        {%- do metric_columns.append(metric | lower) -%}
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
    {%- for column in actual -%}
        {%- set want = declared_types.get(column) or (double if column in component_columns) -%}
        {%- if want and types[column] != want -%}
            {%- do problems.append((column, 'type ' ~ types[column] ~ ', not ' ~ want)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for column in actual
        if column not in expected and column not in component_columns and column not in metric_columns -%}
        {%- do problems.append((column, 'in the model, not declared in the yml, not a component column or metric')) -%}
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

