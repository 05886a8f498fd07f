{#-
    One row per visitor (user) that exists on as_of_date (int_visitors_existing) in an account
    that exists on as_of_date (dim_accounts): a visitor created after as_of_date is absent from
    every current mart.
-#}
with

visitors as (

    select * from {{ ref('int_visitors_existing') }}

),

accounts as (

    select account_id from {{ ref('dim_accounts') }}

),

final as (

    select
        visitors.visitor_id,
        visitors.account_id,
        visitors.email,
        visitors.role,
        visitors.created_at,
        visitors.first_active_date,
        visitors.last_active_date,
        visitors.count_active_accounts
    from visitors
    inner join accounts
        on visitors.account_id = accounts.account_id

)

select * from final
