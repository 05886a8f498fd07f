{#-
    Outreach impact, one row per time an account entered at_risk (fct_account_health_band_changes):
    whether a CSM activity followed within outreach_follow_up_days (14) days of that day (the
    day itself included), and the account's health outreach_impact_days (30) days later (from
    fct_account_health_daily; the outcome is known once that day is on or before as_of_date).
    rpt_outreach_impact compares the two groups.
    Grain: account_id, entered_at_risk_date.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

entries as (

    select * from {{ ref('fct_account_health_band_changes') }}
    where is_entering_at_risk

),

health_days as (

    select * from {{ ref('fct_account_health_daily') }}

),

csm_activities as (

    select
        account_id,
        cast({{ pulse_local_timestamp('occurred_at') }} as date) as activity_date
    from {{ ref('int_crm_activities') }}

),

follow_ups as (

    select
        entries.account_id,
        entries.changed_date,
        min(csm_activities.activity_date) as first_csm_activity_date
    from entries
    inner join csm_activities
        on
            entries.account_id = csm_activities.account_id
            and entries.changed_date <= csm_activities.activity_date
            and {{ pulse_add_days('entries.changed_date', var('outreach_follow_up_days')) }}
            >= csm_activities.activity_date
    group by entries.account_id, entries.changed_date

),

final as (

    select
        entries.account_id,
        entries.changed_date as entered_at_risk_date,
        entries.previous_band,
        entries.health_score as health_score_at_entry,
        follow_ups.first_csm_activity_date,
        follow_ups.first_csm_activity_date is not null as is_followed_up,
        {{ pulse_days_between('entries.changed_date', 'follow_ups.first_csm_activity_date') }}
            as days_to_follow_up,
        {{ pulse_add_days('entries.changed_date', var('outreach_impact_days')) }} as outcome_date,
        {{ pulse_add_days('entries.changed_date', var('outreach_impact_days')) }} <= report_window.as_of_date
            as is_outcome_known,
        later.health_score as health_score_after,
        later.health_band as health_band_after,
        {{ pulse_round('later.health_score - entries.health_score', 2) }} as health_score_change,
        case when later.health_band is not null then later.health_band <> 'at_risk' end as is_recovered
    from entries
    cross join report_window
    left join follow_ups
        on
            entries.account_id = follow_ups.account_id
            and entries.changed_date = follow_ups.changed_date
    left join health_days as later
        on
            entries.account_id = later.account_id
            and {{ pulse_add_days('entries.changed_date', var('outreach_impact_days')) }} = later.metric_date

)

select * from final
