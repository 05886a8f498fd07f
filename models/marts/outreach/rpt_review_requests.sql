{#-
    Review-request candidates: promoters whose latest NPS response is within the
    review_request_promoter_days (90) days ending on as_of_date, with high usage (active days
    >= nps_high_usage_min_active_days), whose account has no open support ticket; ranked by the
    recency of the account's latest milestone (setup completed or activated), then score.
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

    select
        account_id,
        count(*) as count_open_tickets
    from {{ ref('stg_support__tickets') }}
    where is_open and account_id is not null
    group by account_id

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
    where
        nps.nps_category = 'promoter'
        and nps.is_high_usage
        and cast({{ pulse_local_timestamp('nps.responded_at') }} as date)
        >= {{ pulse_add_days('report_window.as_of_date', 1 - var('review_request_promoter_days')) }}
        and open_tickets.account_id is null
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
