{#-
    Account health as of as_of_date, one row per account and component of the seed
    health_components (README "Adding a health component"): the metric value, the seed's
    weight, floor and target, the score, the contribution (the points it adds to health_score;
    they sum to it) and the drag (the points it costs: weight x (100 - score) / the summed
    weight of the account's scored components). A BI tool or export reads every component,
    one added to the seed included, without knowing the set. Grain: account_id, component.
-#}
with

health as (

    select * from {{ ref('fct_account_health') }}

),

components as (

    select * from {{ ref('health_components') }}

),

long as (

    {{ pulse_health_components_long('health', ['account_id', 'as_of_date']) }}

),

scored_weights as (

    select
        long.account_id,
        sum(cast(components.weight as {{ pulse_type('double') }})) as scored_weight
    from long
    inner join components
        on long.component = components.component
    where long.score is not null and components.weight > 0
    group by long.account_id

),

final as (

    select
        long.account_id,
        long.as_of_date,
        long.component,
        cast(components.metric as {{ pulse_type('varchar') }}) as metric,
        cast(components.description as {{ pulse_type('varchar') }}) as description,
        cast(components.weight as {{ pulse_type('double') }}) as weight,
        cast(components.floor_value as {{ pulse_type('double') }}) as floor_value,
        cast(components.target_value as {{ pulse_type('double') }}) as target_value,
        long.metric_value,
        long.score,
        long.contribution,
        case
            when long.score is not null and components.weight > 0
                then {{ pulse_round(
                    'cast(components.weight as ' ~ pulse_type('double') ~ ') * (100 - long.score)'
                    ~ ' / scored_weights.scored_weight', 2) }}
        end as drag,
        coalesce(long.component = long.dragging_component, false) as is_dragging
    from long
    inner join components
        on long.component = components.component
    left join scored_weights
        on long.account_id = scored_weights.account_id

)

select * from final
