{#-
    Feature-adoption gaps (targets for in-app guides): one row per visitor active in the window
    and core feature (depth feature: core, or all when none is core) the visitor has never
    clicked. Grain: visitor_id, feature_id.
-#}
with

visitor_usage as (

    select * from {{ ref('fct_visitor_usage') }}
    where is_active_in_window

),

feature_usage as (

    select feature_usage.*
    from {{ ref('fct_visitor_feature_usage') }} as feature_usage
    inner join {{ ref('dim_features') }} as features
        on feature_usage.feature_id = features.feature_id
    where features.is_depth_feature and feature_usage.first_used_date is null

),

final as (

    select
        visitor_usage.visitor_id,
        visitor_usage.account_id,
        visitor_usage.role,
        feature_usage.feature_id,
        feature_usage.product_area,
        visitor_usage.as_of_date,
        visitor_usage.count_active_days_in_window,
        visitor_usage.last_active_date
    from visitor_usage
    inner join feature_usage
        on visitor_usage.visitor_id = feature_usage.visitor_id

)

select * from final
