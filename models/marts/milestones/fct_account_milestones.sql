{#-
    Customer milestones per account as of as_of_date (README "Definitions": Customer milestones):
    - setup: the ordered steps of seed setup_steps (an event type + name or feature: the name
      and the feature are matched when the seed names them); complete when every step happened;
    - activation: >= activation_min_value_events (10) value events (seed value_events) within
      activation_window_days (90) days of the account's creation day; activated_at = the 10th
      (the row in which the running count of num_events reaches it);
    - utilization: value events in the last complete calendar month before as_of_date per seat
      (seats_purchased, or known visitors when missing or 0) >= 4 (int_account_utilization_monthly);
      utilizing_reached_date: the day the current run of utilizing months began (the day the
      first month of the run reached the threshold);
    - maturity: mature in >= mature_min_categories (3) categories (fct_account_category_maturity);
      mature_reached_date: the first day of the current mature period (int_account_mature_periods);
    - journey stage: not_set_up, then set_up, activated, utilizing, mature, each reached only
      when the previous one is; journey_stage_reached_date: the local day the current stage was
      reached (the latest of the reached dates of the stages up to it).
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

setup_steps as (

    select * from {{ ref('setup_steps') }}

),

category_maturity as (

    select * from {{ ref('fct_account_category_maturity') }}

),

events as (

    select events.*
    from {{ ref('int_events_localized') }} as events
    cross join report_window
    where events.activity_date <= report_window.as_of_date

),

step_events as (

    select
        events.account_id,
        setup_steps.step_number,
        min(events.occurred_at) as step_done_at
    from events
    inner join setup_steps
        on
            events.event_type = setup_steps.event_type
            and (setup_steps.event_name is null or events.event_name = setup_steps.event_name)
            and (setup_steps.feature_id is null or events.feature_id = setup_steps.feature_id)
    group by events.account_id, setup_steps.step_number

),

setup_step_count as (

    select count(*) as count_setup_steps
    from setup_steps

),

setup as (

    select
        account_id,
        count(*) as count_setup_steps_done,
        max(step_done_at) as last_step_done_at
    from step_events
    group by account_id

),

account_value_events as (

    select
        events.account_id,
        events.event_id,
        events.occurred_at,
        events.num_events,
        events.activity_date
    from events
    {{ pulse_value_events_join('events') }}

),

activation_candidates as (

    select
        account_value_events.account_id,
        account_value_events.occurred_at,
        -- the running count of value events (an aggregated row counts its num_events)
        sum(account_value_events.num_events) over (
            partition by account_value_events.account_id
            order by account_value_events.occurred_at, account_value_events.event_id
            rows between unbounded preceding and current row
        ) as value_event_number
    from account_value_events
    inner join accounts
        on account_value_events.account_id = accounts.account_id
    where
        {{ pulse_days_between('accounts.created_date', 'account_value_events.activity_date') }}
        between 0 and {{ var('activation_window_days') }}

),

activation as (

    select
        account_id,
        max(value_event_number) as count_value_events_first_90_days,
        min(case when value_event_number >= {{ var('activation_min_value_events') }} then occurred_at end)
            as activated_at
    from activation_candidates
    group by account_id

),

utilization as (

    select utilization.*
    from {{ ref('int_account_utilization_monthly') }} as utilization
    inner join report_window
        on utilization.month_start_date = report_window.last_complete_month_start_date

),

mature_periods as (

    select mature_periods.*
    from {{ ref('int_account_mature_periods') }} as mature_periods
    inner join report_window
        on report_window.as_of_date between mature_periods.mature_from_date and mature_periods.mature_to_date

),

maturity as (

    select
        account_id,
        cast(sum(case when is_basic then 1 else 0 end) as {{ pulse_type('bigint') }}) as count_basic_categories,
        cast(sum(case when is_mature then 1 else 0 end) as {{ pulse_type('bigint') }}) as count_mature_categories
    from category_maturity
    group by account_id

),

milestones as (

    select
        accounts.account_id,
        accounts.company_id,
        report_window.as_of_date,
        accounts.created_at,
        coalesce(setup.count_setup_steps_done, 0) as count_setup_steps_done,
        setup_step_count.count_setup_steps,
        coalesce(setup.count_setup_steps_done, 0) = setup_step_count.count_setup_steps as is_setup_complete,
        case
            when coalesce(setup.count_setup_steps_done, 0) = setup_step_count.count_setup_steps
                then setup.last_step_done_at
        end as setup_completed_at,
        cast(coalesce(activation.count_value_events_first_90_days, 0) as {{ pulse_type('bigint') }})
            as count_value_events_first_90_days,
        activation.activated_at,
        activation.activated_at is not null as is_activated,
        cast(coalesce(utilization.count_value_events, 0) as {{ pulse_type('bigint') }})
            as count_value_events_last_complete_month,
        {{ pulse_effective_seats('accounts') }} as utilization_seats,
        coalesce(utilization.is_utilizing, false) as is_utilizing,
        utilization.utilizing_since_date as utilizing_reached_date,
        mature_periods.mature_from_date as mature_reached_date,
        coalesce(maturity.count_basic_categories, 0) as count_basic_categories,
        coalesce(maturity.count_mature_categories, 0) as count_mature_categories
    from accounts
    cross join report_window
    cross join setup_step_count
    left join setup
        on accounts.account_id = setup.account_id
    left join activation
        on accounts.account_id = activation.account_id
    left join utilization
        on accounts.account_id = utilization.account_id
    left join maturity
        on accounts.account_id = maturity.account_id
    left join mature_periods
        on accounts.account_id = mature_periods.account_id

),

flags as (

    select
        *,
        {{ pulse_days_between_timestamps('created_at', 'setup_completed_at') }} as setup_completion_days,
        {{ pulse_ratio('count_value_events_last_complete_month', 'utilization_seats', 4) }}
            as value_events_per_seat_last_complete_month,
        count_mature_categories >= {{ var('mature_min_categories') }} as is_mature,
        cast({{ pulse_local_timestamp('setup_completed_at') }} as date) as setup_completed_date,
        cast({{ pulse_local_timestamp('activated_at') }} as date) as activated_date
    from milestones

),

stages as (

    select
        *,
        {{ pulse_journey_stage() }} as journey_stage
    from flags

),

final as (

    select
        account_id,
        company_id,
        as_of_date,
        count_setup_steps_done,
        count_setup_steps,
        is_setup_complete,
        setup_completed_at,
        setup_completed_date,
        {{ pulse_round('setup_completion_days', 2) }} as setup_completion_days,
        count_value_events_first_90_days,
        is_activated,
        activated_at,
        activated_date,
        count_value_events_last_complete_month,
        utilization_seats,
        value_events_per_seat_last_complete_month,
        is_utilizing,
        utilizing_reached_date,
        count_basic_categories,
        count_mature_categories,
        is_mature,
        mature_reached_date,
        journey_stage,
        case journey_stage
            when 'set_up' then setup_completed_date
            when 'activated' then greatest(setup_completed_date, activated_date)
            when 'utilizing' then greatest(setup_completed_date, activated_date, utilizing_reached_date)
            when 'mature' then
                greatest(setup_completed_date, activated_date, utilizing_reached_date, mature_reached_date)
        end as journey_stage_reached_date
    from stages

)

select * from final
