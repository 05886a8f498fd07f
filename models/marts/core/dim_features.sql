{#-
    One row per feature: the feature catalogue plus any feature id seen in events but missing
    from it (product area 'unknown', not core). is_depth_feature marks the features that depth
    and adoption count: the core features, or every feature when none is core (README "Definitions").
    product: the product the feature belongs to (optional catalogue column; subscription health
    scores a subscription's usage on its product's features).
-#}
with

features as (

    select * from {{ ref('int_features') }}

),

clicked_features as (

    select distinct feature_id
    from {{ ref('int_visitor_feature_days_aggregated') }}

),

all_features as (

    select
        feature_id,
        feature_name,
        coalesce(product_area, 'unknown') as product_area,
        is_core_event,
        product,
        true as is_in_catalogue
    from features

    union all

    select
        clicked_features.feature_id,
        clicked_features.feature_id as feature_name,
        'unknown' as product_area,
        false as is_core_event,
        cast(null as {{ pulse_type('varchar') }}) as product,
        false as is_in_catalogue
    from clicked_features
    left join features
        on clicked_features.feature_id = features.feature_id
    where features.feature_id is null

),

core_count as (

    select sum(case when is_core_event then 1 else 0 end) as count_core_features
    from all_features

),

final as (

    select
        all_features.feature_id,
        all_features.feature_name,
        all_features.product_area,
        all_features.is_core_event,
        all_features.product,
        all_features.is_in_catalogue,
        all_features.is_core_event or core_count.count_core_features = 0 as is_depth_feature
    from all_features
    cross join core_count

)

select * from final
