{#-
    Share of accounts at each journey stage as of as_of_date, with the share that reached the
    stage or a later one, and the share of accounts mature in >= mature_min_categories
    categories. Churned accounts are left out. Grain: journey_stage.
-#}
with

account_milestones as (

    select * from {{ ref('fct_account_milestones') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

milestones as (

    select account_milestones.*
    from account_milestones
    inner join accounts
        on account_milestones.account_id = accounts.account_id
    where not accounts.is_churned

),

stages as (

    {{ pulse_journey_stages_select() }}

),

counts as (

    select
        cast(stages.stage_order as {{ pulse_type('bigint') }}) as stage_order,
        stages.journey_stage,
        cast(
            sum(case when milestones.journey_stage = stages.journey_stage then 1 else 0 end)
            as {{ pulse_type('bigint') }}
        ) as count_accounts
    from stages
    left join milestones
        on stages.journey_stage = milestones.journey_stage
    group by stages.stage_order, stages.journey_stage

),

totals as (

    select
        count(*) as count_accounts_total,
        sum(case when is_mature then 1 else 0 end) as count_accounts_mature
    from milestones

),

final as (

    select
        counts.journey_stage,
        counts.stage_order,
        counts.count_accounts,
        {{ pulse_ratio('counts.count_accounts', 'totals.count_accounts_total') }} as share_of_accounts,
        {{ pulse_ratio(
            'sum(counts.count_accounts) over (order by counts.stage_order desc rows between unbounded preceding and current row)',
            'totals.count_accounts_total'
        ) }} as share_reached,
        {{ pulse_ratio('totals.count_accounts_mature', 'totals.count_accounts_total') }} as share_of_accounts_mature
    from counts
    cross join totals

)

select * from final
