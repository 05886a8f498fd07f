{#-
    Health input `relationship`: the account's last CSM activity on or before each day and the
    days since it. One row per account and day of int_health_days from its first CSM
    activity.
-#}
with

spine as (

    select * from {{ ref('int_health_days') }}

),

activity_days as (

    select distinct
        account_id,
        cast({{ pulse_local_timestamp('occurred_at') }} as date) as activity_date
    from {{ ref('int_crm_activities') }}
    where account_id is not null

),

coverage as (

    select
        account_id,
        activity_date,
        coalesce(
            {{ pulse_add_days('lead(activity_date) over (partition by account_id order by activity_date)', -1) }},
            cast('9999-12-31' as date)
        ) as covered_to_date
    from activity_days

),

final as (

    select
        coverage.account_id,
        spine.date_day as metric_date,
        coverage.activity_date as last_csm_activity_date,
        {{ pulse_days_between('coverage.activity_date', 'spine.date_day') }} as days_since_csm_activity
    from coverage
    inner join spine
        on coverage.activity_date <= spine.date_day and coverage.covered_to_date >= spine.date_day

)

select * from final
