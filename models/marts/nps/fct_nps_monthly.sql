{#-
    NPS per calendar month (local time, var timezone) of the responses given in it
    (fct_nps_responses, up to as_of_date; every response counts, as in the semantic layer's
    nps metric), at three scopes: the product (scope_id 'product'), each account (scope_id =
    account_id) and each plan tier (scope_id = plan_tier, 'unknown' when the account has
    none). NPS = 100 x (promoters - detractors) / responses. Only months with responses.
-#}
with

responses as (

    select * from {{ ref('fct_nps_responses') }}

),

accounts as (

    select
        account_id,
        plan_tier
    from {{ ref('dim_accounts') }}

),

monthly_responses as (

    select
        {{ pulse_month_start('responses.responded_date') }} as month_start_date,
        responses.account_id,
        coalesce(accounts.plan_tier, 'unknown') as plan_tier,
        responses.nps_category
    from responses
    left join accounts
        on responses.account_id = accounts.account_id

),

scoped as (

    select
        month_start_date,
        'product' as scope,
        'product' as scope_id,
        nps_category
    from monthly_responses
    union all
    select
        month_start_date,
        'account' as scope,
        account_id as scope_id,
        nps_category
    from monthly_responses
    union all
    select
        month_start_date,
        'plan_tier' as scope,
        plan_tier as scope_id,
        nps_category
    from monthly_responses

),

counted as (

    select
        month_start_date,
        scope,
        scope_id,
        count(*) as count_responses,
        sum(case when nps_category = 'promoter' then 1 else 0 end) as count_promoters,
        sum(case when nps_category = 'passive' then 1 else 0 end) as count_passives,
        sum(case when nps_category = 'detractor' then 1 else 0 end) as count_detractors
    from scoped
    group by month_start_date, scope, scope_id

),

final as (

    select
        month_start_date,
        scope,
        scope_id,
        cast(count_responses as {{ pulse_type('bigint') }}) as count_responses,
        cast(count_promoters as {{ pulse_type('bigint') }}) as count_promoters,
        cast(count_passives as {{ pulse_type('bigint') }}) as count_passives,
        cast(count_detractors as {{ pulse_type('bigint') }}) as count_detractors,
        cast(
            {{ pulse_divide('100.0 * (count_promoters - count_detractors)', 'count_responses') }}
            as {{ pulse_type('double') }}
        ) as nps
    from counted

)

select * from final
