{#-
    Maturity per account and feature category (README "Definitions": Customer milestones; categories are the
    seed feature_categories): distinct features of the category clicked in the
    maturity_lookback_days (90) days ending on as_of_date; basic with >= 1, mature with >= 3.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

feature_categories as (

    select * from {{ ref('feature_categories') }}

),

categories as (

    select distinct category
    from feature_categories

),

feature_days as (

    select feature_days.*
    from {{ ref('int_visitor_feature_days_aggregated') }} as feature_days
    cross join report_window
    where
        feature_days.activity_date
        between {{ pulse_add_days('report_window.as_of_date', 1 - var('maturity_lookback_days')) }}
        and report_window.as_of_date

),

category_use as (

    select
        feature_days.account_id,
        feature_categories.category,
        count(distinct feature_days.feature_id) as count_features_used
    from feature_days
    inner join feature_categories
        on feature_days.feature_id = feature_categories.feature_id
    group by feature_days.account_id, feature_categories.category

),

final as (

    select
        accounts.account_id,
        categories.category,
        coalesce(category_use.count_features_used, 0) as count_features_used_last_90_days,
        coalesce(category_use.count_features_used, 0) >= {{ var('maturity_basic_min_features') }} as is_basic,
        coalesce(category_use.count_features_used, 0) >= {{ var('maturity_mature_min_features') }} as is_mature,
        case
            when coalesce(category_use.count_features_used, 0) >= {{ var('maturity_mature_min_features') }}
                then 'mature'
            when coalesce(category_use.count_features_used, 0) >= {{ var('maturity_basic_min_features') }}
                then 'basic'
            else 'none'
        end as maturity_level
    from accounts
    cross join categories
    left join category_use
        on
            accounts.account_id = category_use.account_id
            and categories.category = category_use.category

)

select * from final
