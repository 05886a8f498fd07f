{#-
    Health input `sentiment`: account NPS per account and day, over each visitor's latest
    response as of that day (int_visitor_nps_daily: a response counts from its day until the
    visitor's next response, for at most nps_lookback_days days): 100 x (promoters -
    detractors) / respondents. One row per account and day with at least one covered
    response, on the days of int_health_days.
-#}
with

visitor_nps as (

    select * from {{ ref('int_visitor_nps_daily') }}

),

final as (

    select
        account_id,
        metric_date,
        count(*) as count_nps_respondents,
        {{ pulse_ratio(
            '100.0 * (sum(case when visitor_nps = 100 then 1 else 0 end)'
            ~ ' - sum(case when visitor_nps = -100 then 1 else 0 end))',
            'count(*)', 2
        ) }} as account_nps
    from visitor_nps
    group by account_id, metric_date

)

select * from final
