{#-
    Champion risk: visitors with a champion role (seed role_focus: admin, champion) who became
    inactive (no activity in the window, active before) while their account is still active:
    usage can look fine while the sponsor has left. Grain: visitor_id.
-#}
with

visitor_usage as (

    select * from {{ ref('fct_visitor_usage') }}

),

champion_roles as (

    select role
    from {{ ref('role_focus') }}
    where is_champion_role

),

account_usage as (

    select * from {{ ref('fct_account_usage') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

visitors as (

    select * from {{ ref('dim_visitors') }}

),

active_champions as (

    select
        visitor_usage.account_id,
        count(*) as count_active_champions
    from visitor_usage
    inner join champion_roles
        on visitor_usage.role = champion_roles.role
    where visitor_usage.is_active_in_window
    group by visitor_usage.account_id

),

final as (

    select
        visitor_usage.visitor_id,
        visitor_usage.account_id,
        accounts.account_name,
        accounts.csm_owner,
        accounts.arr_usd,
        accounts.renewal_date,
        visitors.email,
        visitor_usage.role,
        visitor_usage.as_of_date,
        visitor_usage.last_active_date,
        visitor_usage.days_since_last_active,
        account_usage.count_active_visitors_in_window as account_active_visitors_in_window,
        coalesce(active_champions.count_active_champions, 0) as count_other_active_champions
    from visitor_usage
    inner join champion_roles
        on visitor_usage.role = champion_roles.role
    inner join account_usage
        on visitor_usage.account_id = account_usage.account_id
    inner join accounts
        on visitor_usage.account_id = accounts.account_id
    inner join visitors
        on visitor_usage.visitor_id = visitors.visitor_id
    left join active_champions
        on visitor_usage.account_id = active_champions.account_id
    where
        not visitor_usage.is_active_in_window
        and visitor_usage.last_active_date is not null
        and account_usage.count_active_days_in_window > 0
        and not accounts.is_churned

)

select * from final
