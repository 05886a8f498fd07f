{#-
    Every valid NPS response: one row per response, with the local calendar day it was given
    on and its category (var nps_promoter_min_score / nps_passive_min_score). The NPS trend
    (semantic layer metric nps: NPS of the responses given in a day, week or month) reads it;
    the as-of NPS (each visitor's latest response in the lookback) is fct_nps / fct_nps_scores.
-#}
with

responses as (

    select * from {{ ref('stg_product__nps_responses') }}

),

final as (

    select
        response_id,
        visitor_id,
        account_id,
        score,
        case
            when score >= {{ var('nps_promoter_min_score') }} then 'promoter'
            when score >= {{ var('nps_passive_min_score') }} then 'passive'
            else 'detractor'
        end as nps_category,
        score >= {{ var('nps_promoter_min_score') }} as is_promoter,
        score < {{ var('nps_passive_min_score') }} as is_detractor,
        responded_at,
        cast({{ pulse_local_timestamp('responded_at') }} as date) as responded_date
    from responses

)

select * from final
