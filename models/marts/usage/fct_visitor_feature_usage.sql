{#-
    One row per visitor and feature (every feature of dim_features, used or not): clicks,
    active days and accounts in the window_days days ending on as_of_date, and first / last use
    up to as_of_date.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

subjects as (

    select * from {{ ref('dim_visitors') }}

),

features as (

    select * from {{ ref('dim_features') }}

),

feature_days as (

    select feature_days.*
    from {{ ref('int_visitor_feature_days_aggregated') }} as feature_days
    cross join report_window
    where feature_days.activity_date <= report_window.as_of_date

),

lifetime as (

    select
        visitor_id,
        feature_id,
        min(activity_date) as first_used_date,
        max(activity_date) as last_used_date
    from feature_days
    group by visitor_id, feature_id

),

recent as (

    select
        feature_days.visitor_id,
        feature_days.feature_id,
        cast(sum(feature_days.count_clicks) as {{ pulse_type('bigint') }}) as count_clicks,
        count(distinct feature_days.activity_date) as count_active_days,
        count(distinct feature_days.account_id) as count_accounts
    from feature_days
    cross join report_window
    where feature_days.activity_date >= report_window.window_start_date
    group by feature_days.visitor_id, feature_days.feature_id

),

final as (

    select
        subjects.visitor_id,
        subjects.account_id,
        subjects.role,
        features.feature_id,
        features.product_area,
        features.is_core_event,
        report_window.as_of_date,
        coalesce(recent.count_clicks, 0) as count_clicks_in_window,
        coalesce(recent.count_active_days, 0) as count_active_days_in_window,
        coalesce(recent.count_accounts, 0) as count_accounts_in_window,
        coalesce(recent.count_clicks, 0) > 0 as is_used_in_window,
        lifetime.first_used_date,
        lifetime.last_used_date
    from subjects
    cross join features
    cross join report_window
    left join recent
        on
            subjects.visitor_id = recent.visitor_id
            and features.feature_id = recent.feature_id
    left join lifetime
        on
            subjects.visitor_id = lifetime.visitor_id
            and features.feature_id = lifetime.feature_id

)

select * from final
