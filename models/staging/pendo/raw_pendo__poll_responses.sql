{#-
    The native raw table poll_responses, built from Pendo's poll answers (var source_system:
    pendo; stg_pendo__poll_answers): every answer that is neither an NPS rating nor a
    rating's comment (a follow-up answer no rating takes stays a poll answer), every column as
    text, for base_product__poll_responses to parse, check and quarantine as it would a
    native file. question = the poll's (stg_pendo__polls); response = poll_response.
-#}
with

answers as (

    select * from {{ ref('stg_pendo__poll_answers') }}

),

polls as (

    select * from {{ ref('stg_pendo__polls') }}

),

final as (

    select
        answers.response_id,
        answers.poll_id,
        polls.question,
        answers.visitor_id,
        answers.account_id,
        answers.poll_response as response,
        answers.timestamp as responded_at,
        answers._source_file,
        answers._source_row,
        answers._load_id
    from answers
    left join polls
        on {{ pulse_clean_text('answers.poll_id') }} = polls.poll_id
    where answers.answer_part = 'poll'

)

select * from final
