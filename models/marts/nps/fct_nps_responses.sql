{#-
    Every valid NPS response given on or before as_of_date: one row per response, with the local
    calendar day it was given on and its category (var nps_promoter_min_score /
    nps_passive_min_score). The NPS trend (semantic layer metric nps: NPS of the responses given
    in a day, week or month) reads it; the as-of NPS (each visitor's latest response in the
    lookback) is fct_nps / fct_nps_scores.
-#}
with

responses as (

    select * from {{ ref('int_nps_responses') }}

),

report_window as (

    select * from {{ ref('dim_report_window') }}

),

final as (

    select
        responses.response_id,
        responses.visitor_id,
        responses.account_id,
        cast(responses.score as {{ pulse_type('bigint') }}) as score,
        {{ pulse_nps_category('responses.score') }} as nps_category,
        responses.score >= {{ var('nps_promoter_min_score') }} as is_promoter,
        responses.score < {{ var('nps_passive_min_score') }} as is_detractor,
        responses.responded_at,
        cast({{ pulse_local_timestamp('responses.responded_at') }} as date) as responded_date
    from responses
    cross join report_window
    where
        cast({{ pulse_local_timestamp('responses.responded_at') }} as date)
        <= report_window.as_of_date

)

select * from final
