{#-
    The native raw table nps_responses, built from Pendo's poll answers (var source_system:
    pendo; stg_pendo__poll_answers): every answer to an NPS poll (poll.attribute_type
    NPSRating), every column as text, for base_product__nps_responses to parse, check and
    quarantine as it would a native file (a response that is no whole number 0-10 is
    quarantined). comment = the rating's comment (its first answer to the NPS poll's
    follow-up poll by the visitor in the same guide within a day).
-#}
with

answers as (

    select * from {{ ref('stg_pendo__poll_answers') }}

),

ratings as (

    select * from answers
    where answer_part = 'nps_rating'

),

comments as (

    select * from answers
    where answer_part = 'nps_comment'

),

final as (

    select
        ratings.response_id,
        ratings.visitor_id,
        ratings.account_id,
        ratings.poll_response as score,
        comments.poll_response as comment,
        ratings.timestamp as responded_at,
        ratings._source_file,
        ratings._source_row,
        ratings._load_id
    from ratings
    left join comments
        on ratings.response_id = comments.rating_response_id

)

select * from final
