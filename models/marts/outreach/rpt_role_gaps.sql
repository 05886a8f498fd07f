{#-
    Role gaps ("people who should be using it aren't"): one row per visitor active in the
    window, in an account that has not churned, and feature the visitor's role is expected to
    use (seed role_expected_features) that the visitor did not click in the window.
    Grain: visitor_id, feature_id.
-#}
with

accounts as (

    select * from {{ ref('dim_accounts') }}

),

features as (

    select * from {{ ref('dim_features') }}

),

expected_features as (

    select * from {{ ref('role_expected_features') }}

),

visitor_usage as (

    select * from {{ ref('fct_visitor_usage') }}
    where is_active_in_window

),

feature_usage as (

    select * from {{ ref('fct_visitor_feature_usage') }}

),

final as (

    select
        visitor_usage.visitor_id,
        visitor_usage.account_id,
        accounts.account_name,
        accounts.csm_owner,
        visitor_usage.role,
        expected_features.feature_id,
        expected_features.reason,
        features.product_area,
        visitor_usage.as_of_date,
        visitor_usage.count_active_days_in_window,
        feature_usage.last_used_date
    from visitor_usage
    inner join accounts
        on visitor_usage.account_id = accounts.account_id
    inner join expected_features
        on visitor_usage.role = expected_features.role
    inner join features
        on expected_features.feature_id = features.feature_id
    left join feature_usage
        on
            visitor_usage.visitor_id = feature_usage.visitor_id
            and expected_features.feature_id = feature_usage.feature_id
    where
        not accounts.is_churned
        and coalesce(feature_usage.count_clicks_in_window, 0) = 0

)

select * from final
