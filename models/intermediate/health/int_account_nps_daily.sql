{#-
    Health input `sentiment`: account NPS per account and day, over each visitor's latest
    response of a day, which counts from that day until the visitor's next response, for at
    most nps_lookback_days days. One row per account and day with at least one covered
    response, on the days of int_health_days.
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
        coverage.account_id,
        spine.date_day as metric_date,
        count(*) as count_nps_respondents,
        {{ pulse_ratio(
            '100.0 * (sum(case when coverage.score >= ' ~ var('nps_promoter_min_score') ~ ' then 1 else 0 end)'
            ~ ' - sum(case when coverage.score < ' ~ var('nps_passive_min_score') ~ ' then 1 else 0 end))',
            'count(*)', 2
        ) }} as account_nps
    from coverage
    inner join spine
        on
            coverage.covered_from_date <= spine.date_day
            and coverage.lookback_end_date >= spine.date_day
            and (coverage.next_response_eve_date is null or coverage.next_response_eve_date >= spine.date_day)
    group by coverage.account_id, spine.date_day

)

select * from final
