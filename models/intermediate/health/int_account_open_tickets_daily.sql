{#-
    Health input `support`: support tickets open per account and day, counted and weighted by
    priority (seed ticket_priority_weights; a missing or unlisted priority weighs as `normal`).
    A ticket is open from the day it was opened to the day before it was resolved; a ticket
    closed without a resolution time counts on no day. One row per account and day with at
    least one open ticket, on the days of int_health_days.
-#}
with

priority_weights as (

    select * from {{ ref('ticket_priority_weights') }}

),

spine as (

    select * from {{ ref('int_health_days') }}

),

tickets as (

    select
        tickets.account_id,
        cast({{ pulse_local_timestamp('tickets.opened_at') }} as date) as opened_date,
        case
            when tickets.resolved_at is not null
                then {{ pulse_add_days('cast(' ~ pulse_local_timestamp('tickets.resolved_at') ~ ' as date)', -1) }}
            when tickets.is_open then cast('9999-12-31' as date)
            else {{ pulse_add_days('cast(' ~ pulse_local_timestamp('tickets.opened_at') ~ ' as date)', -1) }}
        end as open_until_date,
        coalesce(listed.weight, normal.weight) as priority_weight
    from {{ ref('int_support_tickets') }} as tickets
    left join priority_weights as listed
        on lower(tickets.priority) = listed.priority
    left join priority_weights as normal
        on normal.priority = 'normal'
    where tickets.account_id is not null

),

final as (

    select
        tickets.account_id,
        spine.date_day as metric_date,
        count(*) as count_open_tickets,
        sum(cast(tickets.priority_weight as {{ pulse_type('double') }})) as weighted_open_tickets
    from tickets
    inner join spine
        on tickets.opened_date <= spine.date_day and tickets.open_until_date >= spine.date_day
    group by tickets.account_id, spine.date_day

)

select * from final
