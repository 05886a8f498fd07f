{#- One row per account, with its company (parent account), segment flags and size band. -#}
with

accounts as (

    select * from {{ ref('stg_product__accounts') }}

),

visitors as (

    select * from {{ ref('stg_product__visitors') }}

),

known_visitors as (

    select
        account_id,
        count(*) as count_known_visitors
    from visitors
    group by account_id

),

final as (

    select
        accounts.account_id,
        coalesce(accounts.parent_account_id, accounts.account_id) as company_id,
        accounts.account_name,
        accounts.parent_account_id,
        accounts.plan_tier,
        accounts.industry,
        accounts.region,
        accounts.csm_owner,
        cast(accounts.arr_usd as {{ pulse_type('double') }}) as arr_usd,
        cast(accounts.seats_purchased as {{ pulse_type('bigint') }}) as seats_purchased,
        coalesce(known_visitors.count_known_visitors, 0) as count_known_visitors,
        case
            when accounts.seats_purchased is null then null
            when accounts.seats_purchased <= {{ var('size_band_max_seats')['small'] }} then 'small'
            when accounts.seats_purchased <= {{ var('size_band_max_seats')['medium'] }} then 'medium'
            else 'large'
        end as size_band,
        coalesce(accounts.plan_tier in ({{ pulse_sql_list(var('enterprise_plan_tiers')) }}), false)
            as is_enterprise,
        coalesce(accounts.arr_usd <= {{ var('smb_max_arr_usd') }}, false) as is_smb,
        accounts.churned_at is not null as is_churned,
        accounts.renewal_date,
        accounts.created_at,
        cast({{ pulse_local_timestamp('accounts.created_at') }} as date) as created_date,
        accounts.churned_at
    from accounts
    left join known_visitors
        on accounts.account_id = known_visitors.account_id

)

select * from final
