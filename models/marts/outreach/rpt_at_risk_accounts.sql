{#-
    At-risk accounts: accounts (not churned) in health band at_risk or in the churn-risk
    segment, with ARR, renewal date, CSM owner and the components that drag their score,
    ordered by ARR at risk. Grain: account_id.
-#}
with

health as (

    select * from {{ ref('fct_account_health') }}

),

final as (

    select
        account_id,
        company_id,
        account_name,
        plan_tier,
        csm_owner,
        arr_usd,
        renewal_date,
        as_of_date,
        health_score,
        health_band,
        is_churn_risk,
        primary_segment,
        dragging_component,
        health_score_change_30_days,
        has_inactive_champion,
        cast(row_number() over (order by coalesce(arr_usd, 0) desc, account_id) as {{ pulse_type('bigint') }})
            as arr_at_risk_rank
    from health
    where not is_churned and (health_band = 'at_risk' or is_churn_risk)

)

select * from final
