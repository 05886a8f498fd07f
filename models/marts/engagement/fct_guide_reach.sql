{#-
    In-app guide reach as of as_of_date, per guide for the whole product (reach_scope
    'product', account_id null) and per guide and account (reach_scope 'account'): the
    visitors a guide was shown to (guide_seen events; event_name is the guide), the visitors
    who dismissed it (guide_dismissed) and the dismiss rate (the share of the visitors reached
    who dismissed it), over every day up to as_of_date
    and over the window. Only accounts of dim_accounts. Guide events are engagement, not
    activity. Grain: guide_id, reach_scope, account_id.
-#}
{%- set counts -%}
        count(distinct case when has_seen then visitor_id end) as count_visitors_reached,
        count(distinct case when has_dismissed then visitor_id end) as count_visitors_dismissed,
        count(distinct case when has_seen and has_dismissed then visitor_id end) as count_reached_dismissed,
        cast(sum(count_views) as {{ pulse_type('bigint') }}) as count_views,
        cast(sum(count_dismissals) as {{ pulse_type('bigint') }}) as count_dismissals,
        count(distinct case when has_seen_in_window then visitor_id end) as count_visitors_reached_in_window,
        count(distinct case when has_dismissed_in_window then visitor_id end) as count_visitors_dismissed_in_window,
        count(distinct case when has_seen_in_window and has_dismissed_in_window then visitor_id end)
            as count_reached_dismissed_in_window,
        min(first_seen_date) as first_seen_date,
        max(last_seen_date) as last_seen_date
{%- endset %}

with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

guide_events as (

    select
        events.event_name as guide_id,
        events.account_id,
        events.visitor_id,
        events.event_type,
        events.num_events,
        events.activity_date,
        events.activity_date >= report_window.window_start_date as is_in_window
    from {{ ref('int_events_localized') }} as events
    cross join report_window
    inner join accounts
        on events.account_id = accounts.account_id
    where
        events.event_type in ('guide_seen', 'guide_dismissed')
        and events.event_name is not null
        and events.activity_date <= report_window.as_of_date

),

visitor_guides as (

    select
        guide_id,
        account_id,
        visitor_id,
        max(case when event_type = 'guide_seen' then 1 else 0 end) = 1 as has_seen,
        max(case when event_type = 'guide_dismissed' then 1 else 0 end) = 1 as has_dismissed,
        max(case when event_type = 'guide_seen' and is_in_window then 1 else 0 end) = 1 as has_seen_in_window,
        max(case when event_type = 'guide_dismissed' and is_in_window then 1 else 0 end) = 1
            as has_dismissed_in_window,
        sum(case when event_type = 'guide_seen' then num_events else 0 end) as count_views,
        sum(case when event_type = 'guide_dismissed' then num_events else 0 end) as count_dismissals,
        min(case when event_type = 'guide_seen' then activity_date end) as first_seen_date,
        max(case when event_type = 'guide_seen' then activity_date end) as last_seen_date
    from guide_events
    group by guide_id, account_id, visitor_id

),

reach as (

    select
        guide_id,
        'product' as reach_scope,
        cast(null as {{ pulse_type('varchar') }}) as account_id,
        {{ counts }}
    from visitor_guides
    group by guide_id

    union all

    select
        guide_id,
        'account' as reach_scope,
        account_id,
        {{ counts }}
    from visitor_guides
    group by guide_id, account_id

),

final as (

    select
        reach.guide_id,
        reach.reach_scope,
        reach.account_id,
        report_window.as_of_date,
        reach.count_visitors_reached,
        reach.count_visitors_dismissed,
        {{ pulse_ratio('reach.count_reached_dismissed', 'reach.count_visitors_reached') }} as dismiss_rate,
        reach.count_views,
        reach.count_dismissals,
        reach.count_visitors_reached_in_window,
        reach.count_visitors_dismissed_in_window,
        {{ pulse_ratio('reach.count_reached_dismissed_in_window', 'reach.count_visitors_reached_in_window') }}
            as dismiss_rate_in_window,
        reach.first_seen_date,
        reach.last_seen_date
    from reach
    cross join report_window

)

select * from final
