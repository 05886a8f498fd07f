{#-
    One-visit visitors (came once and never again): visitors whose only active day, up to
    as_of_date, lies one_visit_min_days_since (14) days or more before as_of_date, in accounts
    that have not churned; the most recent first. Grain: visitor_id.
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

final as (

    select
        visitors.visitor_id,
        visitors.account_id,
        accounts.account_name,
        accounts.csm_owner,
        visitors.role,
        visitors.email,
        report_window.as_of_date,
        visitors.first_active_date as active_date,
        cast(
            {{ pulse_days_between('visitors.first_active_date', 'report_window.as_of_date') }}
            as {{ pulse_type('bigint') }}
        ) as days_since_visit
    from visitors
    cross join report_window
    inner join accounts
        on visitors.account_id = accounts.account_id
    where
        visitors.first_active_date = visitors.last_active_date
        and {{ pulse_days_between('visitors.first_active_date', 'report_window.as_of_date') }}
        >= {{ var('one_visit_min_days_since') }}
        and not accounts.is_churned

)

select * from final
