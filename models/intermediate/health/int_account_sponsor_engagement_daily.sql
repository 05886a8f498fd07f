{#-
    Health input `sponsor_engagement`: per account and day, the share of the account's
    champion-role visitors (seed role_focus, is_champion_role) that were active (any account)
    in the window_days days ending on that day. A visitor counts from the day it exists
    (created, or first active when earlier; always when created_at is unknown), as in
    int_visitors_existing. One row per account and day of int_health_days on which it has a
    champion; no row (the component is null) when it has none.
-#}
{%- set window_days = pulse_window_days() -%}

with

spine as (

    select * from {{ ref('int_health_days') }}

),

active_days as (

    select
        visitor_id,
        activity_date
    from {{ ref('fct_visitor_days') }}
    where is_active

),

first_active as (

    select
        visitor_id,
        min(activity_date) as first_active_date
    from active_days
    group by visitor_id

),

champions as (

    select
        visitors.visitor_id,
        visitors.account_id,
        case
            when visitors.created_at is not null
                then least(
                    cast({{ pulse_local_timestamp('visitors.created_at') }} as date),
                    coalesce(first_active.first_active_date, cast('9999-12-31' as date))
                )
        end as exists_from_date
    from {{ ref('int_visitors') }} as visitors
    inner join {{ ref('role_focus') }} as role_focus
        on visitors.role = role_focus.role
    left join first_active
        on visitors.visitor_id = first_active.visitor_id
    where role_focus.is_champion_role

),

champion_counts as (

    select
        champions.account_id,
        spine.date_day as metric_date,
        count(*) as count_champions
    from champions
    inner join spine
        on champions.exists_from_date is null or champions.exists_from_date <= spine.date_day
    group by champions.account_id, spine.date_day

),

champion_uses as (

    select
        champions.account_id,
        champions.visitor_id,
        active_days.activity_date
    from active_days
    inner join champions
        on active_days.visitor_id = champions.visitor_id

),

active_champions as (

    {{ pulse_rolling_distinct_count('champion_uses', 'visitor_id', 'spine', window_days, 'count_active_champions') }}

),

final as (

    select
        champion_counts.account_id,
        champion_counts.metric_date,
        champion_counts.count_champions,
        coalesce(active_champions.count_active_champions, 0) as count_active_champions,
        {{ pulse_ratio('coalesce(active_champions.count_active_champions, 0)', 'champion_counts.count_champions', 4) }}
            as sponsor_engagement
    from champion_counts
    left join active_champions
        on
            champion_counts.account_id = active_champions.account_id
            and champion_counts.metric_date = active_champions.metric_date

)

select * from final
