{#-
    Health scoring (README "Definitions": Health score), shared by the account, visitor and daily health
    models. The components, their metric, weight, floor and target come from the seed
    health_components; a model computes the metric columns, these macros do the rest:

    component score = 100 x clamp((value - floor) / (target - floor), 0, 1)   (floor > target
        means lower is better); null when the metric is null;
    health_score    = sum(weight x score) / sum(weight) over the components that have a score
        (the weights of missing components are renormalised away);
    contribution    = weight x score / sum(weight of scored components): the points a component
        adds to health_score (the contributions sum to it);
    drag            = weight x (100 - score) / sum(weight ...): the points it costs.
-#}

{#- The component set: the (component, metric) rows of the seed health_components, the one
    definition of it (README "Adding a health component"). Read from the warehouse when a model
    runs: the <component>_score / _contribution columns and the unpivot follow the seed, so a
    new row needs no SQL change beyond the model that computes its metric and its join. The
    seed's row order is the column order. dbt reads no seed while it parses: nothing then. -#}
{% macro pulse_health_metrics() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {#- the seed's table, never a unit test's fixture of it (a unit test has no graph: the
        seeds' schema is then the one dbt_project.yml names) -#}
    {%- set seed = (graph.get('nodes') or {}).get('seed.' ~ project_name ~ '.health_components') -%}
    {%- if seed -%}
        {%- set relation = adapter.get_relation(database=seed.database, schema=seed.schema, identifier=seed.alias) -%}
    {%- else -%}
        {%- set relation = adapter.get_relation(
            database=target.database, schema=generate_schema_name('seeds', none) | trim, identifier='health_components'
        ) -%}
    {%- endif -%}
    {%- if relation is none -%}
        {%- set missing = "the seed health_components is not in the warehouse: build it first "
            ~ "(dbt seed --select health_components, or dbt build)" -%}
        {#- compile, docs generate, show: the SQL without component columns, logged each time it is read -#}
        {%- if flags.WHICH in ('compile', 'generate', 'show', 'list') -%}
            {%- do log(missing ~ "; the component columns are left out of this compile", info=true) -%}
            {{ return([]) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(missing) }}
    {%- endif -%}
    {#- in the seed file's row order, the order dbt loaded the rows in (pulse.warehouse reads
        them the same way for the exports and the brief); Spark keeps no row order: by name -#}
    {%- set row_order = {'duckdb': 'rowid', 'postgres': 'ctid'}.get(target.type, 'component') -%}
    {%- set rows = run_query('select component, metric from ' ~ relation ~ ' order by ' ~ row_order).rows -%}
    {%- set metrics = [] -%}
    {%- for row in rows -%}
        {%- set component, metric = row[0] | string, row[1] | string -%}
        {#- the names become column names: <component>_score, <component>_contribution, <metric> -#}
        {%- for name in [component, metric] if not modules.re.fullmatch('[a-z][a-z0-9_]*', name) -%}
            {{ exceptions.raise_compiler_error(
                "seed health_components: '" ~ name ~ "' is not a column name (lower case letters, digits "
                ~ "and underscores, starting with a letter)"
            ) }}
        {%- endfor -%}
        {%- if component in ('health', 'account_health') -%}
            {{ exceptions.raise_compiler_error(
                "seed health_components: the component name '" ~ component ~ "' is taken ("
                ~ component ~ "_score is a column of the health marts already)"
            ) }}
        {%- endif -%}
        {%- do metrics.append((component, metric)) -%}
    {%- endfor -%}
    {{ return(metrics) }}
{%- endmacro %}


{#- The <component>_score, <component>_contribution columns of `relation`, in component order,
    comma-separated on one line (a model's select list: `{{ pulse_health_component_columns('scores') }},`). -#}
{% macro pulse_health_component_columns(relation) -%}
    {%- set columns = [] -%}
    {%- for component, metric in pulse_health_metrics() -%}
        {%- do columns.append(relation ~ '.' ~ component ~ '_score') -%}
        {%- do columns.append(relation ~ '.' ~ component ~ '_contribution') -%}
    {%- endfor -%}
    {{- columns | join(', ') -}}
{%- endmacro %}


{#- `relation.<metric>, ` for each metric of the seed health_components not in `known` (the
    metric of a component added to the seed), on one line: a select list carries it before
    its next column (`{{ pulse_health_added_metrics('health_daily', known) }}health_daily.x,`). -#}
{% macro pulse_health_added_metrics(relation, known) -%}
    {%- for component, metric in pulse_health_metrics() if metric not in known -%}
        {{ relation }}.{{ metric }},{{ ' ' }}
    {%- endfor -%}
{%- endmacro %}


{#- One row per key of `relation` (a wide health mart with keys, dragging_component, the
    metrics and <component>_score / _contribution) and seed component: keys..., component,
    dragging_component, metric_value, score, contribution. -#}
{% macro pulse_health_components_long(relation, keys) -%}
    {%- for component, metric in pulse_health_metrics() %}
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        dragging_component,
        '{{ component }}' as component,
        cast({{ metric }} as {{ pulse_type('double') }}) as metric_value,
        {{ component }}_score as score,
        {{ component }}_contribution as contribution
    from {{ relation }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- One row per key and metric: (keys..., metric, metric_value) from the relation `signals`, for
    `metrics` (default: every metric of the seed health_components; `signals` must have a column
    for each). -#}
{% macro pulse_health_unpivot(signals, keys, metrics=none) -%}
    {%- set metrics = metrics if metrics is not none else pulse_health_metrics() | map(attribute=1) | list -%}
    {%- for metric in metrics %}
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        '{{ metric }}' as metric,
        cast({{ metric }} as {{ pulse_type('double') }}) as metric_value
    from {{ signals }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- Component score 0-100 of value between floor and target (either direction). -#}
{% macro pulse_component_score(value, floor_value, target_value) -%}
    case
        when {{ value }} is null or {{ target_value }} = {{ floor_value }} then null
        when ({{ value }} - {{ floor_value }}) / ({{ target_value }} - {{ floor_value }}) <= 0 then 0.0
        when ({{ value }} - {{ floor_value }}) / ({{ target_value }} - {{ floor_value }}) >= 1 then 100.0
        else 100.0 * ({{ value }} - {{ floor_value }}) / ({{ target_value }} - {{ floor_value }})
    end
{%- endmacro %}


{#- The order of the health bands, worst first: at_risk 1, neutral 2, healthy 3 (null: none). -#}
{% macro pulse_health_band_rank(band) -%}
    case {{ band }} when 'at_risk' then 1 when 'neutral' then 2 when 'healthy' then 3 end
{%- endmacro %}


{#- Health band of a score (vars health_healthy_min_score, health_at_risk_below_score). -#}
{% macro pulse_health_band(score) -%}
    case
        when {{ score }} is null then null
        when {{ score }} >= {{ var('health_healthy_min_score') }} then 'healthy'
        when {{ score }} < {{ var('health_at_risk_below_score') }} then 'at_risk'
        else 'neutral'
    end
{%- endmacro %}


{#-
    From `long` (keys..., metric, metric_value) and the seed `components` CTE, a select with one
    row per key: health_score, health_band, count_scored_components, per component
    <component>_score and <component>_contribution, and dragging_component.
-#}
{% macro pulse_health_score_select(long, components, keys) -%}
    {%- set key_list = keys | join(', ') -%}
    select
        {%- for key in keys %}
        scored.{{ key }},
        {%- endfor %}
        {{ pulse_round('sum(scored.weight * scored.component_score) / nullif(sum(scored.weight), 0)', 2) }}
            as health_score,
        count(*) as count_scored_components,
        {%- for component, metric in pulse_health_metrics() %}
        {{ pulse_round("max(case when scored.component = '" ~ component ~ "' then scored.component_score end)", 2) }}
            as {{ component }}_score,
        {{ pulse_round(
            "sum(case when scored.component = '" ~ component ~ "' then scored.weight * scored.component_score end)"
            ~ " / nullif(sum(scored.weight), 0)", 2) }}
            as {{ component }}_contribution,
        {%- endfor %}
        max(case when scored.drag_rank = 1 then scored.component end) as dragging_component
    from (
        select
            weighted.*,
            case
                when weighted.weight * (100 - weighted.component_score) > 0
                    then row_number() over (
                        partition by {% for key in keys %}weighted.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
                        order by weighted.weight * (100 - weighted.component_score) desc, weighted.component
                    )
            end as drag_rank
        from (
            select
                {%- for key in keys %}
                {{ long }}.{{ key }},
                {%- endfor %}
                {{ components }}.component,
                cast({{ components }}.weight as {{ pulse_type('double') }}) as weight,
                {{ pulse_component_score(
                    long ~ '.metric_value',
                    'cast(' ~ components ~ '.floor_value as ' ~ pulse_type('double') ~ ')',
                    'cast(' ~ components ~ '.target_value as ' ~ pulse_type('double') ~ ')'
                ) }} as component_score
            from {{ long }}
            inner join {{ components }}
                on {{ long }}.metric = {{ components }}.metric
            where {{ long }}.metric_value is not null and {{ components }}.weight > 0
        ) as weighted
    ) as scored
    group by {% for key in keys %}scored.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
{%- endmacro %}


{#- The last CTEs of a health history (fct_account_health_daily, fct_visitor_health_daily):
    the rows of `scored` (the days scored in this run, from bounds.start_date) with their
    change over 7 and 30 days. The score a change compares with is the one scored in this run
    or, for a day before bounds.start_date (an incremental run), the stored one: a day before
    the first changed day keeps its stored score, so it is read, not scored again.
    change_days: the horizons of the health_score_change_<n>_days columns; the stored scores
    are read back as far as the longest one. -#}
{% macro pulse_health_history_final(scored, key, change_days=[7, 30]) -%}
compared_scores as (

    select
        {{ key }},
        metric_date,
        health_score
    from {{ scored }}
    {%- if is_incremental() %}

    union all

    select
        stored.{{ key }},
        stored.metric_date,
        stored.health_score
    from {{ this }} as stored
    cross join bounds
    where
        stored.metric_date < bounds.start_date
        and stored.metric_date >= {{ pulse_add_days('bounds.start_date', -(change_days | max)) }}
    {%- endif %}

),

final as (

    select
        {{ scored }}.*,
        {%- for days in change_days %}
        {{ pulse_round(scored ~ '.health_score - before_' ~ days ~ '.health_score', 2) }}
            as health_score_change_{{ days }}_days,
        {%- endfor %}
        source_batch.source_batch_at as _pulse_source_batch_at
    from {{ scored }}
    cross join source_batch
    {%- for days in change_days %}
    left join compared_scores as before_{{ days }}
        on
            {{ scored }}.{{ key }} = before_{{ days }}.{{ key }}
            and {{ pulse_add_days(scored ~ '.metric_date', -days) }} = before_{{ days }}.metric_date
    {%- endfor %}

)
{%- endmacro %}
