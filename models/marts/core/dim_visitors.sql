{#- One row per visitor (user), with role and first / last active day over all accounts. -#}
with

visitors as (

    select * from {{ ref('stg_product__visitors') }}

),

visitor_days as (

    select * from {{ ref('fct_visitor_days') }}
    where is_active

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
    left join activity
        on visitors.visitor_id = activity.visitor_id

)

select * from final
