{#- One row per account and local day with at least one event of its visitors. -#}
with

visitor_days as (

    select * from {{ ref('fct_visitor_days') }}

),

feature_days as (

    select * from {{ ref('int_visitor_feature_days_aggregated') }}

),

account_features as (

    select
        account_id,
        activity_date,
        count(distinct feature_id) as count_features_used,
        count(distinct case when is_core_feature then feature_id end) as count_core_features_used
    from feature_days
    group by account_id, activity_date

),

account_visitors as (

    select
        account_id,
        activity_date,
        cast(sum(case when is_active then 1 else 0 end) as {{ pulse_type('bigint') }}) as count_active_visitors,
        cast(sum(count_events) as {{ pulse_type('bigint') }}) as count_events,
        cast(sum(count_activity_events) as {{ pulse_type('bigint') }}) as count_activity_events,
        cast(sum(active_minutes) as {{ pulse_type('bigint') }}) as active_minutes,
        cast(sum(count_feature_clicks) as {{ pulse_type('bigint') }}) as count_feature_clicks
    from visitor_days
    group by account_id, activity_date

),

final as (

    select
        account_visitors.account_id,
        account_visitors.activity_date,
        account_visitors.count_active_visitors,
        account_visitors.count_events,
        account_visitors.count_activity_events,
        account_visitors.active_minutes,
        account_visitors.count_feature_clicks,
        coalesce(account_features.count_features_used, 0) as count_features_used,
        coalesce(account_features.count_core_features_used, 0) as count_core_features_used,
        account_visitors.count_active_visitors > 0 as is_active
    from account_visitors
    left join account_features
        on
            account_visitors.account_id = account_features.account_id
            and account_visitors.activity_date = account_features.activity_date

)

select * from final
