{#-
    Review-request candidates: promoters whose latest NPS response is within the
    review_request_promoter_days (90) days ending on as_of_date, with high usage (active days
    >= nps_high_usage_min_active_days), first active at least review_request_min_tenure_days
    (30) days before as_of_date, whose account has no support ticket open on as_of_date, and no
    detractor answer or negative CSM activity in the review_request_guard_days (30) days ending
    on it; ranked by the account's latest moment of delight, most recent first (the day it
    reached a journey stage: setup completed, activated, utilizing, mature (fct_account_milestones),
    or an anniversary of its creation in the review_request_anniversary_days (14) days ending on
    as_of_date; local days; a tie goes to the anniversary, then the later stage), then score;
    accounts without one last.
    Grain: visitor_id.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

nps as (

    select * from {{ ref('fct_nps') }}

),

milestones as (

    select * from {{ ref('fct_account_milestones') }}

),

open_tickets as (

    select open_tickets.account_id
    from {{ ref('int_account_open_tickets_daily') }} as open_tickets
    inner join report_window
        on open_tickets.metric_date = report_window.as_of_date

),

-- accounts with a detractor answer or a negative CSM activity in the guard days
guarded_accounts as (

    select responses.account_id
    from {{ ref('fct_nps_responses') }} as responses
    cross join report_window
    where
        responses.is_detractor
        and responses.responded_date
        >= {{ pulse_add_days('report_window.as_of_date', 1 - var('review_request_guard_days')) }}

    union

    select activities.account_id
    from {{ ref('int_crm_activities') }} as activities
    cross join report_window
    where
        activities.sentiment = 'negative'
        and cast({{ pulse_local_timestamp('activities.occurred_at') }} as date)
        between {{ pulse_add_days('report_window.as_of_date', 1 - var('review_request_guard_days')) }}
        and report_window.as_of_date

),

visitor_usage as (

    select * from {{ ref('fct_visitor_usage') }}

),

-- each account's creation day (local) in the calendar year of as_of_date
anniversaries as (

    select
        accounts.account_id,
        accounts.created_date,
        cast({{ dbt.dateadd(
            'month',
            '12 * (' ~ pulse_year('report_window.as_of_date') ~ ' - ' ~ pulse_year('accounts.created_date') ~ ')',
            'accounts.created_date') }} as date) as anniversary_this_year
    from accounts
    cross join report_window

),

-- the latest anniversary on or before as_of_date
latest_anniversaries as (

    select
        anniversaries.account_id,
        case
            when anniversaries.anniversary_this_year <= report_window.as_of_date
                then anniversaries.anniversary_this_year
            else cast({{ dbt.dateadd('month', -12, 'anniversaries.anniversary_this_year') }} as date)
        end as anniversary_date
    from anniversaries
    cross join report_window

),

-- the latest anniversary when it lies in the review_request_anniversary_days days ending on
-- as_of_date and at least a year after creation
recent_anniversaries as (

    select
        accounts.account_id,
        latest_anniversaries.anniversary_date
    from accounts
    cross join report_window
    inner join latest_anniversaries
        on accounts.account_id = latest_anniversaries.account_id
    where
        latest_anniversaries.anniversary_date
        >= cast({{ dbt.dateadd('month', 12, 'accounts.created_date') }} as date)
        and latest_anniversaries.anniversary_date
        >= {{ pulse_add_days('report_window.as_of_date', 1 - var('review_request_anniversary_days')) }}

),

-- every moment of delight with its local day; tie_order breaks a tie (an anniversary first,
-- then the later stage)
delight_candidates as (

    select
        account_id,
        'anniversary' as delight_moment,
        anniversary_date as delight_date,
        1 as tie_order
    from recent_anniversaries

    union all

    select
        account_id,
        'mature' as delight_moment,
        mature_reached_date as delight_date,
        2 as tie_order
    from milestones
    where mature_reached_date is not null

    union all

    select
        account_id,
        'utilizing' as delight_moment,
        utilizing_reached_date as delight_date,
        3 as tie_order
    from milestones
    where utilizing_reached_date is not null

    union all

    select
        account_id,
        'activated' as delight_moment,
        activated_date as delight_date,
        4 as tie_order
    from milestones
    where activated_date is not null

    union all

    select
        account_id,
        'setup_completed' as delight_moment,
        setup_completed_date as delight_date,
        5 as tie_order
    from milestones
    where setup_completed_date is not null

),

delight_dates as (

    select
        account_id,
        delight_moment,
        delight_date
    from (
        select
            *,
            row_number() over (partition by account_id order by delight_date desc, tie_order asc) as moment_rank
        from delight_candidates
    ) as ranked
    where moment_rank = 1

),

candidates as (

    select
        nps.visitor_id,
        nps.account_id,
        accounts.account_name,
        accounts.csm_owner,
        nps.score as nps_score,
        nps.responded_at,
        nps.count_active_days_in_window,
        report_window.as_of_date,
        milestones.journey_stage,
        recent_anniversaries.anniversary_date,
        delight_dates.delight_moment,
        delight_dates.delight_date
    from nps
    inner join accounts
        on nps.account_id = accounts.account_id
    cross join report_window
    left join milestones
        on nps.account_id = milestones.account_id
    left join delight_dates
        on nps.account_id = delight_dates.account_id
    left join recent_anniversaries
        on nps.account_id = recent_anniversaries.account_id
    left join open_tickets
        on nps.account_id = open_tickets.account_id
    left join guarded_accounts
        on nps.account_id = guarded_accounts.account_id
    left join visitor_usage
        on nps.visitor_id = visitor_usage.visitor_id
    where
        nps.nps_category = 'promoter'
        and nps.is_high_usage
        and cast({{ pulse_local_timestamp('nps.responded_at') }} as date)
        >= {{ pulse_add_days('report_window.as_of_date', 1 - var('review_request_promoter_days')) }}
        and open_tickets.account_id is null
        and guarded_accounts.account_id is null
        and visitor_usage.first_active_date
        <= {{ pulse_add_days('report_window.as_of_date', -var('review_request_min_tenure_days')) }}
        and not accounts.is_churned

),

final as (

    select
        *,
        cast(row_number() over (
            order by
                case when delight_date is null then 1 else 0 end asc,
                delight_date desc,
                nps_score desc,
                visitor_id asc
        ) as {{ pulse_type('bigint') }}) as request_rank
    from candidates

)

select * from final
