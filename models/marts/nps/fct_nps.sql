{#-
    NPS per visitor (README "Definitions": NPS) as of as_of_date: one row per visitor of dim_visitors with
    their latest response in the nps_lookback_days days ending on as_of_date (inclusive, by
    the UTC date of responded_at; ties broken by responded_at, then response_id), its category
    (var nps_promoter_min_score / nps_passive_min_score), usage in the window (high usage =
    active days >= var nps_high_usage_min_active_days), the NPS x usage quadrant and the NPS of
    the visitor's account. Visitors without a response in the lookback keep null NPS fields.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

visitors as (

    select * from {{ ref('dim_visitors') }}

),

visitor_usage as (

    select * from {{ ref('fct_visitor_usage') }}

),

responses as (

    select responses.*
    from {{ ref('int_nps_responses') }} as responses
    cross join report_window
    where
        cast({{ pulse_local_timestamp('responses.responded_at') }} as date)
        between {{ pulse_add_days('report_window.as_of_date', 1 - var('nps_lookback_days')) }}
        and report_window.as_of_date

),

ranked_responses as (

    select
        response_id,
        visitor_id,
        score,
        comment,
        responded_at,
        row_number() over (
            partition by visitor_id
            order by responded_at desc, response_id desc
        ) as response_recency_rank
    from responses

),

latest_responses as (

    select
        response_id,
        visitor_id,
        score,
        comment,
        responded_at,
        {{ pulse_nps_category('score') }} as nps_category
    from ranked_responses
    where response_recency_rank = 1

),

visitor_scores as (

    select
        visitors.visitor_id,
        visitors.account_id,
        visitors.role,
        report_window.as_of_date,
        latest_responses.response_id,
        latest_responses.score,
        latest_responses.comment,
        latest_responses.responded_at,
        latest_responses.nps_category,
        latest_responses.response_id is not null as has_response,
        coalesce(visitor_usage.count_active_days_in_window, 0) as count_active_days_in_window,
        coalesce(visitor_usage.count_active_days_in_window, 0) >= {{ var('nps_high_usage_min_active_days') }}
            as is_high_usage
    from visitors
    cross join report_window
    left join latest_responses
        on visitors.visitor_id = latest_responses.visitor_id
    left join visitor_usage
        on visitors.visitor_id = visitor_usage.visitor_id

),

account_counts as (

    select
        account_id,
        count(case when has_response then 1 end) as count_responses,
        count(case when nps_category = 'promoter' then 1 end) as count_promoters,
        count(case when nps_category = 'detractor' then 1 end) as count_detractors
    from visitor_scores
    group by account_id

),

final as (

    select
        visitor_scores.visitor_id,
        visitor_scores.account_id,
        visitor_scores.role,
        visitor_scores.as_of_date,
        visitor_scores.response_id,
        cast(visitor_scores.score as {{ pulse_type('bigint') }}) as score,
        visitor_scores.comment,
        visitor_scores.responded_at,
        visitor_scores.nps_category,
        visitor_scores.has_response,
        visitor_scores.count_active_days_in_window,
        visitor_scores.is_high_usage,
        case
            when visitor_scores.nps_category = 'passive' then 'passive'
            when visitor_scores.nps_category = 'promoter' and visitor_scores.is_high_usage then 'high_usage_promoter'
            when visitor_scores.nps_category = 'promoter' then 'low_usage_promoter'
            when visitor_scores.nps_category = 'detractor' and visitor_scores.is_high_usage then 'high_usage_detractor'
            when visitor_scores.nps_category = 'detractor' then 'low_usage_detractor'
        end as nps_usage_quadrant,
        {{ pulse_ratio(
            '100.0 * (account_counts.count_promoters - account_counts.count_detractors)',
            'account_counts.count_responses',
            2
        ) }} as account_nps
    from visitor_scores
    left join account_counts
        on visitor_scores.account_id = account_counts.account_id

)

select * from final
