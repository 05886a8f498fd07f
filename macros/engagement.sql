{#-
    The frame shared by the three Product Engagement Score component models
    (int_engagement_activity_daily, int_engagement_adoption_daily, int_engagement_growth_daily):
    which metric days a run writes, the days their windows read, and the rows to write.

    A metric day reads only activity on or before it, so a change on day C changes metric days
    from C on and never one before it. Each component model writes the metric days from the
    earliest activity day fct_visitor_days rebuilt since its last run (or the day after its
    last day, when later) to as_of_date; on a full build from the first activity day. Its
    windows read back 2 x window_days - 1 days before the first day written (the previous
    window of growth; the weekly blocks of stickiness read 7 x blocks - 1 days, more only when
    window_days < 4) and each visitor's first-ever active day.

    Rows: one per scope and metric day: each account from the day it exists (created or first
    active, the rule of dim_accounts) and the product ('product', account_id null) every day.
    Every metric day written has its full set of rows, so an incremental run that rewrites a
    day (unique_key metric_date) leaves nothing of the old day behind.

    CTEs (each ends with a comma): report_window, accounts, visitor_days, source_batch (and
    previous_run, changed_days on incremental runs), bounds, reach, spine (the days read),
    metric_days (the days written), first_activity (account, visitor, first_active_date),
    scopes, scope_days (engagement_scope, scope_id, account_id, metric_date: the rows to
    write) and, with active_days=true, scoped_days (engagement_scope, scope_id, visitor_id,
    activity_date: the active visitor-days read, per account and for the product).
-#}
{% macro pulse_engagement_days_ctes(active_days=true) -%}
    {%- set window_days = pulse_window_days() -%}
    {%- set week_block_days = [window_days // 7, 1] | max * 7 -%}
    {%- set reach_days = [2 * window_days, week_block_days] | max -%}
report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

visitor_days as (

    select * from {{ ref('fct_visitor_days') }}

),

{{ pulse_changed_days_ctes('visitor_days', '_pulse_batch_at', 'activity_date') }}

bounds as (

    select
        {{ pulse_incremental_start_date('least(report_window.first_activity_date, report_window.as_of_date)') }}
            as start_date,
        report_window.as_of_date as end_date
    from report_window
    {%- if is_incremental() %}
        cross join previous_run
        cross join changed_days
    {%- endif %}

),

reach as (

    -- the metric days plus the days their windows read
    select
        start_date,
        end_date,
        {{ pulse_add_days('start_date', 1 - reach_days) }} as reach_start_date
    from bounds

),

spine as (

    {{ pulse_date_spine('reach', 'reach_start_date', 'end_date') }}

),

metric_days as (

    select spine.date_day
    from spine
    cross join bounds
    where spine.date_day >= bounds.start_date

),

-- each visitor's first-ever active day (up to as_of_date) in each account
first_activity as (

    select
        visitor_days.account_id,
        visitor_days.visitor_id,
        min(visitor_days.activity_date) as first_active_date
    from visitor_days
    cross join report_window
    where visitor_days.is_active and visitor_days.activity_date <= report_window.as_of_date
    group by visitor_days.account_id, visitor_days.visitor_id

),

-- the scopes and the first day each exists (an account: created or first active)
scopes as (

    select
        'account' as engagement_scope,
        accounts.account_id as scope_id,
        accounts.account_id,
        least(accounts.created_date, account_first_activity.first_active_date) as first_scope_date
    from accounts
    left join (
        select
            account_id,
            min(first_active_date) as first_active_date
        from first_activity
        group by account_id
    ) as account_first_activity
        on accounts.account_id = account_first_activity.account_id

    union all

    select
        'product' as engagement_scope,
        'product' as scope_id,
        null as account_id,
        null as first_scope_date

),

scope_days as (

    select
        scopes.engagement_scope,
        scopes.scope_id,
        scopes.account_id,
        metric_days.date_day as metric_date
    from scopes
    cross join metric_days
    where scopes.first_scope_date is null or metric_days.date_day >= scopes.first_scope_date

),
    {%- if active_days %}

active_visitor_days as (

    select
        visitor_days.account_id,
        visitor_days.visitor_id,
        visitor_days.activity_date
    from visitor_days
    cross join reach
    where
        visitor_days.is_active
        and visitor_days.activity_date between reach.reach_start_date and reach.end_date

),

scoped_days as (

    select
        'account' as engagement_scope,
        account_id as scope_id,
        visitor_id,
        activity_date
    from active_visitor_days

    union all

    select distinct
        'product' as engagement_scope,
        'product' as scope_id,
        visitor_id,
        activity_date
    from active_visitor_days

),
    {%- endif %}
{%- endmacro %}

