{#-
    Each visitor's NPS answer as of each day: the visitor's latest response of a day counts
    from that day until the visitor's next response, for at most nps_lookback_days days. One
    row per visitor and day with a covered response, on the days of int_health_days, with the
    response's account and score and the one-person NPS of that answer (promoter 100, passive
    0, detractor -100; var nps_promoter_min_score / nps_passive_min_score).
    The health input `sentiment` of an account (int_account_nps_daily) and of a visitor
    (fct_visitor_health_daily) both read it.
-#}
with

spine as (

    select * from {{ ref('int_health_days') }}

),

responses as (

    select
        visitor_id,
        account_id,
        response_id,
        score,
        responded_at,
        cast({{ pulse_local_timestamp('responded_at') }} as date) as responded_date
    from {{ ref('int_nps_responses') }}

),

daily_latest as (

    select
        *,
        row_number() over (
            partition by visitor_id, responded_date
            order by responded_at desc, response_id desc
        ) as response_rank
    from responses

),

coverage as (

    select
        visitor_id,
        account_id,
        score,
        responded_date as covered_from_date,
        {{ pulse_add_days('responded_date', var('nps_lookback_days') - 1) }} as lookback_end_date,
        {{ pulse_add_days(
            'lead(responded_date) over (partition by visitor_id order by responded_date)', -1
        ) }} as next_response_eve_date
    from daily_latest
    where response_rank = 1

),

final as (

    select
        coverage.visitor_id,
        coverage.account_id,
        spine.date_day as metric_date,
        coverage.score,
        case
            when coverage.score >= {{ var('nps_promoter_min_score') }} then 100
            when coverage.score >= {{ var('nps_passive_min_score') }} then 0
            else -100
        end as visitor_nps
    from coverage
    inner join spine
        on
            coverage.covered_from_date <= spine.date_day
            and coverage.lookback_end_date >= spine.date_day
            and (coverage.next_response_eve_date is null or coverage.next_response_eve_date >= spine.date_day)

)

select * from final
