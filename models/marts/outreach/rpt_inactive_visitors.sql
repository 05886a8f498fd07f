{#-
    Inactive visitors to win back: visitors with no activity for inactive_visitor_min_days (30)
    days or more (and some activity before), whose account has not churned, with the
    suggested_features_per_visitor (3) features most clicked in the window by active visitors of
    the same role. Grain: visitor_id.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

visitors as (

    select * from {{ ref('dim_visitors') }}

),

visitor_usage as (

    select * from {{ ref('fct_visitor_usage') }}

),

role_feature_clicks as (

    select
        feature_usage.role,
        feature_usage.feature_id,
        sum(feature_usage.count_clicks_in_window) as count_clicks
    from {{ ref('fct_visitor_feature_usage') }} as feature_usage
    inner join visitor_usage
        on feature_usage.visitor_id = visitor_usage.visitor_id
    where visitor_usage.is_active_in_window and feature_usage.count_clicks_in_window > 0
    group by feature_usage.role, feature_usage.feature_id

),

role_top_features as (

    select
        role,
        feature_id,
        row_number() over (partition by role order by count_clicks desc, feature_id asc) as feature_rank
    from role_feature_clicks

),

role_suggestions as (

    select
        role,
        {{ pulse_ordered_listagg('feature_id', "', '", 'feature_rank') }} as suggested_features
    from role_top_features
    where feature_rank <= {{ var('suggested_features_per_visitor') }}
    group by role

),

final as (

    select
        visitor_usage.visitor_id,
        visitor_usage.account_id,
        accounts.account_name,
        accounts.csm_owner,
        visitors.email,
        visitor_usage.role,
        report_window.as_of_date,
        visitor_usage.last_active_date,
        visitor_usage.days_since_last_active,
        role_suggestions.suggested_features
    from visitor_usage
    inner join visitors
        on visitor_usage.visitor_id = visitors.visitor_id
    inner join accounts
        on visitor_usage.account_id = accounts.account_id
    cross join report_window
    left join role_suggestions
        on visitor_usage.role = role_suggestions.role
    where
        visitor_usage.last_active_date is not null
        and visitor_usage.days_since_last_active >= {{ var('inactive_visitor_min_days') }}
        and not accounts.is_churned

)

select * from final
