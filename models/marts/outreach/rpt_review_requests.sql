{#-
    Review-request candidates: promoters whose latest NPS response is within the
    review_request_promoter_days (90) days ending on as_of_date, with high usage (active days
    >= nps_high_usage_min_active_days), first active at least review_request_min_tenure_days
    (30) days before as_of_date, whose account has no support ticket open on as_of_date, and no
    detractor answer or negative CSM activity in the review_request_guard_days (30) days ending
    on it; ranked by the account's latest moment of delight, most recent first (setup
    completed, activated, or an anniversary of its creation in the review_request_anniversary_days
    (14) days ending on as_of_date; local days), then score; accounts without one last.
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

-- the latest anniversary of each account's creation (local day) on or before as_of_date
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

recent_anniversaries as (

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

delight as (

    select
        accounts.account_id,
        cast({{ pulse_local_timestamp('milestones.setup_completed_at') }} as date) as setup_completed_date,
        cast({{ pulse_local_timestamp('milestones.activated_at') }} as date) as activated_date,
        case
            when
                recent_anniversaries.anniversary_date
                >= cast({{ dbt.dateadd('month', 12, 'accounts.created_date') }} as date)
                and recent_anniversaries.anniversary_date
                >= {{ pulse_add_days('report_window.as_of_date', 1 - var('review_request_anniversary_days')) }}
                then recent_anniversaries.anniversary_date
        end as anniversary_date
    from accounts
    cross join report_window
    left join milestones
        on accounts.account_id = milestones.account_id
    left join recent_anniversaries
        on accounts.account_id = recent_anniversaries.account_id

),

delight_moments as (

    select
        account_id,
        anniversary_date,
        activated_date,
        setup_completed_date,
        -- the latest of the three (an anniversary wins a tie, then activation)
        case
            when
                anniversary_date is not null
                and anniversary_date >= coalesce(activated_date, anniversary_date)
                and anniversary_date >= coalesce(setup_completed_date, anniversary_date)
                then 'anniversary'
            when
                activated_date is not null
                and activated_date >= coalesce(setup_completed_date, activated_date)
                then 'activated'
            when setup_completed_date is not null then 'setup_completed'
        end as delight_moment
    from delight

),

delight_dates as (

    select
        account_id,
        anniversary_date,
        delight_moment,
        case delight_moment
            when 'anniversary' then anniversary_date
            when 'activated' then activated_date
            when 'setup_completed' then setup_completed_date
        end as delight_date
    from delight_moments

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
        case
            when milestones.activated_at is null then milestones.setup_completed_at
            when milestones.setup_completed_at is null then milestones.activated_at
            when milestones.activated_at > milestones.setup_completed_at then milestones.activated_at
            else milestones.setup_completed_at
        end as last_milestone_at,
        delight_dates.anniversary_date,
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
