{#-
    One row per account that exists on as_of_date, with its company (parent account), segment
    flags and size band. An account exists once created (local date) or once active, whichever
    comes first: an account created after as_of_date is absent from every current mart, and a
    churn after as_of_date has not happened yet (is_churned false, churned_at null).
-#}
with

accounts as (

    select * from {{ ref('int_accounts') }}

),

report_window as (

    select * from {{ ref('dim_report_window') }}

),

visitors as (

    select * from {{ ref('int_visitors_existing') }}

),

known_visitors as (

    select
        account_id,
        count(*) as count_known_visitors
    from visitors
    group by account_id

),

first_activity as (

    select
        visitor_days.account_id,
        min(visitor_days.activity_date) as first_active_date
    from {{ ref('fct_visitor_days') }} as visitor_days
    cross join report_window
    where visitor_days.is_active and visitor_days.activity_date <= report_window.as_of_date
    group by visitor_days.account_id

),

existing as (

    select
        accounts.*,
        cast({{ pulse_local_timestamp('accounts.created_at') }} as date) as created_date,
        case
            when cast({{ pulse_local_timestamp('accounts.churned_at') }} as date) <= report_window.as_of_date
                then accounts.churned_at
        end as churned_at_as_of
    from accounts
    cross join report_window
    left join first_activity
        on accounts.account_id = first_activity.account_id
    where
        cast({{ pulse_local_timestamp('accounts.created_at') }} as date) <= report_window.as_of_date
        or first_activity.first_active_date is not null

),

final as (

    select
        existing.account_id,
        coalesce(existing.parent_account_id, existing.account_id) as company_id,
        existing.account_name,
        existing.parent_account_id,
        existing.plan_tier,
        existing.industry,
        existing.region,
        existing.csm_owner,
        cast(existing.arr_usd as {{ pulse_type('double') }}) as arr_usd,
        cast(existing.seats_purchased as {{ pulse_type('bigint') }}) as seats_purchased,
        coalesce(known_visitors.count_known_visitors, 0) as count_known_visitors,
        case
            when existing.seats_purchased is null then null
            when existing.seats_purchased <= {{ var('size_band_max_seats')['small'] }} then 'small'
            when existing.seats_purchased <= {{ var('size_band_max_seats')['medium'] }} then 'medium'
            else 'large'
        end as size_band,
        coalesce(existing.plan_tier in ({{ pulse_sql_list(var('enterprise_plan_tiers')) }}), false)
            as is_enterprise,
        coalesce(existing.arr_usd <= {{ var('smb_max_arr_usd') }}, false) as is_smb,
        existing.churned_at_as_of is not null as is_churned,
        existing.renewal_date,
        existing.created_at,
        existing.created_date,
        existing.churned_at_as_of as churned_at
    from existing
    left join known_visitors
        on existing.account_id = known_visitors.account_id

)

select * from final
