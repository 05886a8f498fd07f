{#-
    Trigger states: the current members of every list an automation can trigger on, one row per
    trigger type and member. Each trigger reads its list (rpt_at_risk_accounts,
    rpt_inactive_visitors, rpt_review_requests, rpt_champion_risk) or the milestone flags of
    fct_account_milestones, so a list has one definition: `pulse export --triggers` and
    `pulse notify` only compare today's members with the ones they delivered last time.
    Grain: trigger_type, subject_id (the visitor for visitor triggers, else the account).
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

at_risk_accounts as (

    select
        'at_risk_accounts' as trigger_type,
        account_id,
        cast(null as {{ pulse_type('varchar') }}) as visitor_id,
        cast(health_score as {{ pulse_type('double') }}) as health_score,
        health_band,
        cast(null as {{ pulse_type('bigint') }}) as days_since_last_active,
        cast(null as {{ pulse_type('bigint') }}) as nps_score
    from {{ ref('rpt_at_risk_accounts') }}

),

inactive_visitors as (

    select
        'inactive_visitors' as trigger_type,
        account_id,
        visitor_id,
        cast(null as {{ pulse_type('double') }}) as health_score,
        cast(null as {{ pulse_type('varchar') }}) as health_band,
        cast(days_since_last_active as {{ pulse_type('bigint') }}) as days_since_last_active,
        cast(null as {{ pulse_type('bigint') }}) as nps_score
    from {{ ref('rpt_inactive_visitors') }}

),

review_request_candidates as (

    select
        'review_request_candidates' as trigger_type,
        account_id,
        visitor_id,
        cast(null as {{ pulse_type('double') }}) as health_score,
        cast(null as {{ pulse_type('varchar') }}) as health_band,
        cast(null as {{ pulse_type('bigint') }}) as days_since_last_active,
        cast(nps_score as {{ pulse_type('bigint') }}) as nps_score
    from {{ ref('rpt_review_requests') }}

),

champion_risk as (

    select
        'champion_risk' as trigger_type,
        account_id,
        visitor_id,
        cast(null as {{ pulse_type('double') }}) as health_score,
        cast(null as {{ pulse_type('varchar') }}) as health_band,
        cast(days_since_last_active as {{ pulse_type('bigint') }}) as days_since_last_active,
        cast(null as {{ pulse_type('bigint') }}) as nps_score
    from {{ ref('rpt_champion_risk') }}

),

milestones as (

    select * from {{ ref('fct_account_milestones') }}

),

milestone_flags as (

    select
        account_id,
        'milestone_set_up' as trigger_type
    from milestones
    where is_setup_complete
    union all
    select
        account_id,
        'milestone_activated' as trigger_type
    from milestones
    where is_activated
    union all
    select
        account_id,
        'milestone_utilizing' as trigger_type
    from milestones
    where is_utilizing
    union all
    select
        account_id,
        'milestone_mature' as trigger_type
    from milestones
    where is_mature

),

milestones_reached as (

    select
        trigger_type,
        account_id,
        cast(null as {{ pulse_type('varchar') }}) as visitor_id,
        cast(null as {{ pulse_type('double') }}) as health_score,
        cast(null as {{ pulse_type('varchar') }}) as health_band,
        cast(null as {{ pulse_type('bigint') }}) as days_since_last_active,
        cast(null as {{ pulse_type('bigint') }}) as nps_score
    from milestone_flags

),

members as (

    select * from at_risk_accounts
    union all
    select * from inactive_visitors
    union all
    select * from review_request_candidates
    union all
    select * from champion_risk
    union all
    select * from milestones_reached

),

final as (

    select
        cast(members.trigger_type as {{ pulse_type('varchar') }}) as trigger_type,
        cast(
            case when members.visitor_id is null then 'account' else 'visitor' end
            as {{ pulse_type('varchar') }}
        ) as subject_type,
        cast(coalesce(members.visitor_id, members.account_id) as {{ pulse_type('varchar') }}) as subject_id,
        cast(members.account_id as {{ pulse_type('varchar') }}) as account_id,
        cast(members.visitor_id as {{ pulse_type('varchar') }}) as visitor_id,
        cast(report_window.as_of_date as {{ pulse_type('date') }}) as as_of_date,
        cast(accounts.account_name as {{ pulse_type('varchar') }}) as account_name,
        cast(accounts.csm_owner as {{ pulse_type('varchar') }}) as csm_owner,
        cast(accounts.arr_usd as {{ pulse_type('double') }}) as arr_usd,
        cast(visitors.email as {{ pulse_type('varchar') }}) as email,
        members.health_score,
        cast(members.health_band as {{ pulse_type('varchar') }}) as health_band,
        members.days_since_last_active,
        members.nps_score
    from members
    cross join report_window
    left join accounts
        on members.account_id = accounts.account_id
    left join visitors
        on members.visitor_id = visitors.visitor_id

)

select * from final
