{#-
    Training data for `pulse calibrate` (README "Calibration"): one row per renewal decision
    (int_renewals, on or before as_of_date) with the account as it looked on the cut-off day,
    calibration_lead_days (90) days before the decision, and the outcome: lost (churned or
    contracted: var calibration_lost_outcomes) or kept (renewed or expanded).
    Everything is read as of the cut-off and from data dated on or before it, so nothing
    after the cut-off can leak in:
    - the health components and score: the fct_account_health_daily row of the cut-off day;
    - milestones: setup complete / activated by then (the first time each happened), value
      events per seat in the last complete month before the cut-off, maturity over the
      maturity_lookback_days (90) days ending on it, and the journey stage they give;
    - segments: the lifecycle flags over the window_days ending on it (fct_account_usage_daily)
      and SMB by the ARR in force on the cut-off day (arr_at_cutoff_usd: after the last
      renewal on or before it, else before the first renewal after it).
    Today's values, as the raw contract keeps no history of them: the plan tier behind
    is_enterprise, and the seats (or, when missing, today's known visitors) that utilization
    and support divide by.
    A decision is trainable when the cut-off falls on or after the first activity day of the
    data + window_days - 1 (a full window) and the account had a health row that day.
    Per-feature usage at the cut-off is fct_renewal_decision_features.
-#}
{#- the components' scores (<component>_score), one per component of pulse_health_metrics() -#}
{%- set score_columns = [] -%}
{%- for component, metric in pulse_health_metrics() -%}
    {%- do score_columns.append(component ~ '_score') -%}
{%- endfor -%}
{%- set health_daily_scores = [] -%}
{%- for column in score_columns -%}
    {%- do health_daily_scores.append('health_daily.' ~ column) -%}
{%- endfor %}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

milestones as (

    select * from {{ ref('fct_account_milestones') }}

),

health_daily as (

    select * from {{ ref('fct_account_health_daily') }}

),

usage_daily as (

    select * from {{ ref('fct_account_usage_daily') }}

),

account_days as (

    select * from {{ ref('fct_account_days') }}

),

feature_days as (

    select * from {{ ref('int_visitor_feature_days_aggregated') }}

),

feature_categories as (

    select * from {{ ref('feature_categories') }}

),

events as (

    select * from {{ ref('int_events_localized') }}

),

renewals as (

    select * from {{ ref('int_renewals') }}

),

decisions as (

    select
        renewals.account_id,
        renewals.renewal_date,
        renewals.outcome,
        renewals.outcome in ({{ pulse_sql_list(var('calibration_lost_outcomes')) }}) as is_lost,
        {{ pulse_add_days('renewals.renewal_date', -var('calibration_lead_days')) }} as cutoff_date
    from renewals
    cross join report_window
    where renewals.renewal_date <= report_window.as_of_date

),

-- the ARR in force on the cut-off day: after the account's last renewal on or before it, else
-- before its first renewal after it (the decision itself at the latest)
arr_candidates as (

    select
        decisions.account_id,
        decisions.renewal_date,
        case
            when renewals.renewal_date <= decisions.cutoff_date then renewals.arr_after_usd
            else renewals.arr_before_usd
        end as arr_usd,
        row_number() over (
            partition by decisions.account_id, decisions.renewal_date
            order by
                case when renewals.renewal_date <= decisions.cutoff_date then 0 else 1 end,
                abs({{ pulse_days_between('decisions.cutoff_date', 'renewals.renewal_date') }})
        ) as arr_rank
    from decisions
    inner join renewals
        on
            decisions.account_id = renewals.account_id
            and decisions.renewal_date >= renewals.renewal_date

),

arr_at_cutoff as (

    select
        account_id,
        renewal_date,
        cast(arr_usd as {{ pulse_type('double') }}) as arr_at_cutoff_usd
    from arr_candidates
    where arr_rank = 1

),

-- the cut-off as a report window: the lifecycle flags read as_of_date and window_start_date
decision_windows as (

    select
        decisions.*,
        decisions.cutoff_date as as_of_date,
        {{ pulse_add_days('decisions.cutoff_date', 1 - pulse_window_days()) }} as window_start_date,
        {{ pulse_month_start(pulse_add_days(pulse_month_start('decisions.cutoff_date'), -1)) }}
            as last_complete_month_start_date,
        {{ pulse_add_days(pulse_month_start('decisions.cutoff_date'), -1) }} as last_complete_month_end_date,
        decisions.cutoff_date >= {{ pulse_add_days('report_window.first_activity_date', pulse_window_days() - 1) }}
            as is_full_window
    from decisions
    cross join report_window

),

first_active as (

    select
        decision_windows.account_id,
        decision_windows.renewal_date,
        min(account_days.activity_date) as first_active_date
    from decision_windows
    inner join account_days
        on
            decision_windows.account_id = account_days.account_id
            and decision_windows.cutoff_date >= account_days.activity_date
    where account_days.is_active
    group by decision_windows.account_id, decision_windows.renewal_date

),

month_value_events as (

    select
        decision_windows.account_id,
        decision_windows.renewal_date,
        cast(sum(events.num_events) as {{ pulse_type('bigint') }}) as count_value_events
    from decision_windows
    inner join events
        on
            decision_windows.account_id = events.account_id
            and events.activity_date
            between decision_windows.last_complete_month_start_date and decision_windows.last_complete_month_end_date
    {{ pulse_value_events_join('events') }}
    group by decision_windows.account_id, decision_windows.renewal_date

),

category_use as (

    select
        decision_windows.account_id,
        decision_windows.renewal_date,
        feature_categories.category,
        count(distinct feature_days.feature_id) as count_features_used
    from decision_windows
    inner join feature_days
        on
            decision_windows.account_id = feature_days.account_id
            and feature_days.activity_date
            between {{ pulse_add_days('decision_windows.cutoff_date', 1 - var('maturity_lookback_days')) }}
            and decision_windows.cutoff_date
    inner join feature_categories
        on feature_days.feature_id = feature_categories.feature_id
    group by decision_windows.account_id, decision_windows.renewal_date, feature_categories.category

),

maturity as (

    select
        account_id,
        renewal_date,
        sum(case when count_features_used >= {{ var('maturity_mature_min_features') }} then 1 else 0 end)
            as count_mature_categories
    from category_use
    group by account_id, renewal_date

),

joined as (

    select
        decision_windows.account_id,
        decision_windows.renewal_date,
        decision_windows.outcome,
        decision_windows.is_lost,
        arr_at_cutoff.arr_at_cutoff_usd,
        decision_windows.cutoff_date,
        decision_windows.as_of_date,
        decision_windows.window_start_date,
        decision_windows.is_full_window and health_daily.account_id is not null as is_trainable,
        health_daily.health_score,
        health_daily.health_band,
        health_daily.breadth_pct,
        health_daily.depth_pct,
        health_daily.frequency,
        health_daily.account_nps,
        health_daily.weighted_open_tickets_per_10_seats,
        health_daily.days_since_csm_activity,
        health_daily.interaction_sentiment,
        health_daily.sponsor_engagement,
        {{ health_daily_scores | join(', ') }},
        coalesce(
            cast({{ pulse_local_timestamp('milestones.setup_completed_at') }} as date) <= decision_windows.cutoff_date,
            false
        ) as is_setup_complete,
        coalesce(
            cast({{ pulse_local_timestamp('milestones.activated_at') }} as date) <= decision_windows.cutoff_date,
            false
        ) as is_activated,
        {{ pulse_is_utilizing('coalesce(month_value_events.count_value_events, 0)', 'milestones.utilization_seats') }}
            as is_utilizing,
        coalesce(maturity.count_mature_categories, 0) >= {{ var('mature_min_categories') }} as is_mature,
        coalesce(usage_daily.count_active_days_in_window, 0) as count_active_days_in_window,
        coalesce(usage_daily.active_minutes_in_window, 0) as active_minutes_in_window,
        first_active.first_active_date,
        accounts.is_enterprise,
        coalesce(arr_at_cutoff.arr_at_cutoff_usd <= {{ var('smb_max_arr_usd') }}, false) as is_smb
    from decision_windows
    inner join accounts
        on decision_windows.account_id = accounts.account_id
    left join milestones
        on decision_windows.account_id = milestones.account_id
    left join health_daily
        on
            decision_windows.account_id = health_daily.account_id
            and decision_windows.cutoff_date = health_daily.metric_date
    left join usage_daily
        on
            decision_windows.account_id = usage_daily.account_id
            and decision_windows.cutoff_date = usage_daily.metric_date
    left join first_active
        on
            decision_windows.account_id = first_active.account_id
            and decision_windows.renewal_date = first_active.renewal_date
    left join month_value_events
        on
            decision_windows.account_id = month_value_events.account_id
            and decision_windows.renewal_date = month_value_events.renewal_date
    left join maturity
        on
            decision_windows.account_id = maturity.account_id
            and decision_windows.renewal_date = maturity.renewal_date
    left join arr_at_cutoff
        on
            decision_windows.account_id = arr_at_cutoff.account_id
            and decision_windows.renewal_date = arr_at_cutoff.renewal_date

),

flags as (

    select
        joined.*,
        {{ pulse_lifecycle_segment_flags('joined', 'joined') }}
    from joined

),

final as (

    select
        account_id,
        renewal_date,
        outcome,
        is_lost,
        arr_at_cutoff_usd,
        cutoff_date,
        is_trainable,
        health_score,
        health_band,
        breadth_pct,
        depth_pct,
        frequency,
        account_nps,
        weighted_open_tickets_per_10_seats,
        days_since_csm_activity,
        interaction_sentiment,
        sponsor_engagement,
        {{ score_columns | join(', ') }},
        is_setup_complete,
        is_activated,
        is_utilizing,
        is_mature,
        {{ pulse_journey_stage() }} as journey_stage,
        cast({{ pulse_journey_stage_order(pulse_journey_stage()) }} as {{ pulse_type('bigint') }})
            as journey_stage_order,
        is_never_active,
        is_churn_risk,
        is_healthy,
        is_inactive,
        is_new,
        is_onboarding_cohort,
        is_enterprise,
        is_smb
    from flags

)

select * from final
