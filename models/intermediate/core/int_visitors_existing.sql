{#-
    The visitors (users) that exist on as_of_date, with role and first / last active day over all
    accounts up to as_of_date: the one definition of "a visitor exists". A visitor exists once
    created (local date) or once active, whichever comes first, and always when created_at is
    unknown. dim_visitors keeps those whose account exists too (dim_accounts), and dim_accounts
    counts them as its known visitors.
-#}
with

visitors as (

    select * from {{ ref('int_visitors') }}

),

report_window as (

    select * from {{ ref('dim_report_window') }}

),

visitor_days as (

    select visitor_days.*
    from {{ ref('fct_visitor_days') }} as visitor_days
    cross join report_window
    where visitor_days.is_active and visitor_days.activity_date <= report_window.as_of_date

),

activity as (

    select
        visitor_id,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date,
        count(distinct account_id) as count_active_accounts
    from visitor_days
    group by visitor_id

),

final as (

    select
        visitors.visitor_id,
        visitors.account_id,
        visitors.email,
        visitors.role,
        visitors.created_at,
        activity.first_active_date,
        activity.last_active_date,
        coalesce(activity.count_active_accounts, 0) as count_active_accounts
    from visitors
    cross join report_window
    left join activity
        on visitors.visitor_id = activity.visitor_id
    where
        -- unknown creation time: the visitor is taken to exist
        coalesce(
            cast({{ pulse_local_timestamp('visitors.created_at') }} as date) <= report_window.as_of_date, true
        )
        or activity.first_active_date is not null

)

select * from final
