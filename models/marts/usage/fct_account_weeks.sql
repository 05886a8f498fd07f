{#-
    One row per account and ISO week (Monday start, local days) from the week of the account's
    creation (or of the first data) to the week of as_of_date: active visitors, active minutes
    (time on app per week), active days, features used and activity events. Weeks without
    activity are kept with zeros so charts show the gaps.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

visitor_days as (

    select
        visitor_days.*,
        {{ pulse_week_start('visitor_days.activity_date') }} as week_start_date
    from {{ ref('fct_visitor_days') }} as visitor_days
    cross join report_window
    where visitor_days.is_active and visitor_days.activity_date <= report_window.as_of_date

),

feature_days as (

    select
        feature_days.*,
        {{ pulse_week_start('feature_days.activity_date') }} as week_start_date
    from {{ ref('int_visitor_feature_days_aggregated') }} as feature_days
    cross join report_window
    where feature_days.activity_date <= report_window.as_of_date

),

weeks_bounds as (

    select
        {{ pulse_week_start('first_activity_date') }} as first_week_start_date,
        {{ pulse_week_start('as_of_date') }} as last_week_start_date
    from report_window

),

days as (

    {{ pulse_date_spine('weeks_bounds', 'first_week_start_date', 'last_week_start_date') }}

),

weeks as (

    select date_day as week_start_date
    from days
    where {{ pulse_week_start('date_day') }} = date_day

),

weekly_visitors as (

    select
        account_id,
        week_start_date,
        count(distinct visitor_id) as count_active_visitors,
        count(distinct activity_date) as count_active_days,
        cast(sum(active_minutes) as {{ pulse_type('bigint') }}) as active_minutes,
        cast(sum(count_activity_events) as {{ pulse_type('bigint') }}) as count_activity_events
    from visitor_days
    group by account_id, week_start_date

),

weekly_features as (

    select
        account_id,
        week_start_date,
        count(distinct feature_id) as count_features_used,
        cast(sum(count_clicks) as {{ pulse_type('bigint') }}) as count_feature_clicks
    from feature_days
    group by account_id, week_start_date

),

final as (

    select
        accounts.account_id,
        weeks.week_start_date,
        {{ pulse_add_days('weeks.week_start_date', 6) }} as week_end_date,
        {{ pulse_add_days('weeks.week_start_date', 6) }} <= report_window.as_of_date as is_complete_week,
        coalesce(weekly_visitors.count_active_visitors, 0) as count_active_visitors,
        coalesce(weekly_visitors.count_active_days, 0) as count_active_days,
        coalesce(weekly_visitors.active_minutes, 0) as active_minutes,
        coalesce(weekly_visitors.count_activity_events, 0) as count_activity_events,
        coalesce(weekly_features.count_features_used, 0) as count_features_used,
        coalesce(weekly_features.count_feature_clicks, 0) as count_feature_clicks
    from accounts
    cross join weeks
    cross join report_window
    left join weekly_visitors
        on
            accounts.account_id = weekly_visitors.account_id
            and weeks.week_start_date = weekly_visitors.week_start_date
    left join weekly_features
        on
            accounts.account_id = weekly_features.account_id
            and weeks.week_start_date = weekly_features.week_start_date
    where accounts.created_date is null or weeks.week_start_date >= {{ pulse_week_start('accounts.created_date') }}

)

select * from final
