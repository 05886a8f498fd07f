{#-
    Utilization per account and calendar month (README "Definitions": Customer milestones),
    for every complete month up to the last one before as_of_date in which the account has a
    value event (seed value_events; local days):
    - utilizing: value events of the month per seat (macro pulse_effective_seats) >=
      utilization_min_value_events_per_seat (macro pulse_is_utilizing);
    - utilizing_threshold_date: the day of the month on which its value events reached that
      threshold (NULL when the month is not utilizing);
    - utilizing_since_date: for a utilizing month, the threshold day of the first month of its
      run of consecutive utilizing months: the day the account reached the utilizing stage
      it is still in.
    Grain: account_id, month_start_date.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

value_days as (

    select
        events.account_id,
        events.activity_date,
        {{ pulse_month_start('events.activity_date') }} as month_start_date,
        cast(sum(events.num_events) as {{ pulse_type('bigint') }}) as count_value_events
    from {{ ref('int_events_localized') }} as events
    {{ pulse_value_events_join('events') }}
    cross join report_window
    where events.activity_date <= report_window.last_complete_month_end_date
    group by events.account_id, events.activity_date

),

month_to_date as (

    select
        value_days.account_id,
        value_days.month_start_date,
        value_days.activity_date,
        {{ pulse_effective_seats('accounts') }} as utilization_seats,
        sum(value_days.count_value_events) over (
            partition by value_days.account_id, value_days.month_start_date
            order by value_days.activity_date
            rows between unbounded preceding and current row
        ) as count_value_events_to_date
    from value_days
    inner join accounts
        on value_days.account_id = accounts.account_id

),

months as (

    select
        account_id,
        month_start_date,
        utilization_seats,
        max(count_value_events_to_date) as count_value_events,
        min(
            case
                when {{ pulse_is_utilizing('count_value_events_to_date', 'utilization_seats') }}
                    then activity_date
            end
        ) as utilizing_threshold_date
    from month_to_date
    group by account_id, month_start_date, utilization_seats

),

flagged as (

    select
        *,
        {{ pulse_is_utilizing('count_value_events', 'utilization_seats') }} as is_utilizing
    from months

),

-- consecutive utilizing months share run_key (gaps and islands on months)
runs as (

    select
        *,
        cast({{ dbt.dateadd(
            'month',
            '-1 * row_number() over (partition by account_id order by month_start_date)',
            'month_start_date'
        ) }} as date) as run_key
    from flagged
    where is_utilizing

),

final as (

    select
        flagged.account_id,
        flagged.month_start_date,
        cast(flagged.count_value_events as {{ pulse_type('bigint') }}) as count_value_events,
        flagged.utilization_seats,
        {{ pulse_ratio('flagged.count_value_events', 'flagged.utilization_seats', 4) }} as value_events_per_seat,
        flagged.is_utilizing,
        flagged.utilizing_threshold_date,
        min(runs.utilizing_threshold_date) over (
            partition by runs.account_id, runs.run_key
        ) as utilizing_since_date
    from flagged
    left join runs
        on
            flagged.account_id = runs.account_id
            and flagged.month_start_date = runs.month_start_date

)

select * from final
