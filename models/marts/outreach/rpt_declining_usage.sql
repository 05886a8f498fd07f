{#-
    Declining usage: accounts that have not churned whose active visitor-days in the window fell
    by declining_usage_min_drop (30%) or more against the previous window
    (fct_account_usage_change); the steepest fall first. Grain: account_id.
-#}
with

accounts as (

    select * from {{ ref('dim_accounts') }}

),

usage_change as (

    select * from {{ ref('fct_account_usage_change') }}

),

final as (

    select
        usage_change.account_id,
        accounts.account_name,
        accounts.csm_owner,
        accounts.plan_tier,
        accounts.arr_usd,
        usage_change.as_of_date,
        usage_change.count_visitor_days_in_window,
        usage_change.count_visitor_days_previous_window,
        usage_change.visitor_days_change_pct
    from usage_change
    inner join accounts
        on usage_change.account_id = accounts.account_id
    where
        not accounts.is_churned
        and usage_change.visitor_days_change_pct <= -{{ var('declining_usage_min_drop') }}

)

select * from final
