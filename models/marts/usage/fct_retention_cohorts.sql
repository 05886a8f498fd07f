{#-
    Retention: one row per cohort type, cohort and period number 0 .. var('retention_periods').
    - visitor_weekly: visitors by the ISO week of their first active day; a visitor is retained
      in period n when active in the n-th week after it.
    - account_monthly: accounts by the month of their first active day; retained in period n when
      any visitor of the account is active in the n-th month after it.
    Periods that start after as_of_date are not listed; is_complete_period says whether the
    period has fully elapsed by as_of_date.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

visitor_days as (

    select visitor_days.*
    from {{ ref('fct_visitor_days') }} as visitor_days
    cross join report_window
    where visitor_days.is_active and visitor_days.activity_date <= report_window.as_of_date

),

periods as (

    {{ pulse_integers(var('retention_periods')) }}

),

visitor_weeks as (

    select distinct
        visitor_id as member_id,
        {{ pulse_week_start('activity_date') }} as period_start_date
    from visitor_days

),

account_months as (

    select distinct
        account_id as member_id,
        {{ pulse_month_start('activity_date') }} as period_start_date
    from visitor_days

),

visitor_activity as (

    select
        'visitor_weekly' as cohort_type,
        member_id,
        period_start_date,
        min(period_start_date) over (partition by member_id) as cohort_start_date
    from visitor_weeks

),

account_activity as (

    select
        'account_monthly' as cohort_type,
        member_id,
        period_start_date,
        min(period_start_date) over (partition by member_id) as cohort_start_date
    from account_months

),

activity as (

    select
        cohort_type,
        member_id,
        cohort_start_date,
        cast(
            floor({{ pulse_days_between('cohort_start_date', 'period_start_date') }} / 7.0)
            as {{ pulse_type('bigint') }}
        ) as period_number
    from visitor_activity

    union all

    select
        cohort_type,
        member_id,
        cohort_start_date,
        cast(
            (extract(year from period_start_date) - extract(year from cohort_start_date)) * 12
            + extract(month from period_start_date) - extract(month from cohort_start_date)
            as {{ pulse_type('bigint') }}
        ) as period_number
    from account_activity

),

cohort_sizes as (

    select
        cohort_type,
        cohort_start_date,
        count(distinct member_id) as cohort_size
    from activity
    group by cohort_type, cohort_start_date

),

retained as (

    select
        cohort_type,
        cohort_start_date,
        period_number,
        count(distinct member_id) as count_retained
    from activity
    group by cohort_type, cohort_start_date, period_number

),

cohort_periods as (

    select
        cohort_sizes.cohort_type,
        cohort_sizes.cohort_start_date,
        cohort_sizes.cohort_size,
        cast(periods.n as {{ pulse_type('bigint') }}) as period_number,
        case
            when cohort_sizes.cohort_type = 'visitor_weekly'
                then {{ pulse_add_days('cohort_sizes.cohort_start_date', '7 * periods.n') }}
            else cast({{ dbt.dateadd('month', 'periods.n', 'cohort_sizes.cohort_start_date') }} as date)
        end as period_start_date
    from cohort_sizes
    cross join periods

),

final as (

    select
        cohort_periods.cohort_type,
        cohort_periods.cohort_start_date,
        cohort_periods.period_number,
        cohort_periods.period_start_date,
        cohort_periods.cohort_size,
        coalesce(retained.count_retained, 0) as count_retained,
        {{ pulse_ratio('coalesce(retained.count_retained, 0)', 'cohort_periods.cohort_size') }} as retention_pct,
        case
            when cohort_periods.cohort_type = 'visitor_weekly'
                then {{ pulse_add_days('cohort_periods.period_start_date', 6) }} <= report_window.as_of_date
            else
                {{ pulse_add_days(dbt.dateadd('month', 1, 'cohort_periods.period_start_date'), -1) }}
                <= report_window.as_of_date
        end as is_complete_period
    from cohort_periods
    cross join report_window
    left join retained
        on
            cohort_periods.cohort_type = retained.cohort_type
            and cohort_periods.cohort_start_date = retained.cohort_start_date
            and cohort_periods.period_number = retained.period_number
    where cohort_periods.period_start_date <= report_window.as_of_date

)

select * from final
