{#-
    Review-request candidates: promoters whose latest NPS response is within the
    review_request_promoter_days (90) days ending on as_of_date, with high usage (active days
    >= nps_high_usage_min_active_days), first active at least review_request_min_tenure_days
    (30) days before as_of_date, whose account has no support ticket open on as_of_date, and no
    detractor answer or negative CSM activity in the review_request_guard_days (30) days ending
    on it; ranked by the recency of the account's latest milestone (setup completed or
    activated), then score.
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
        end as last_milestone_at
    from nps
    inner join accounts
        on nps.account_id = accounts.account_id
    cross join report_window
    left join milestones
        on nps.account_id = milestones.account_id
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
                case when last_milestone_at is null then 1 else 0 end asc,
                last_milestone_at desc,
                nps_score desc,
                visitor_id asc
        ) as {{ pulse_type('bigint') }}) as request_rank
    from candidates

)

select * from final
