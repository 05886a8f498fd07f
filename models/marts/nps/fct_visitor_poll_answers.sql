{#-
    Each visitor's latest answer to each in-app poll as of as_of_date (ties broken by
    responded_at, then response_id): poll answers as visitor attributes (join on visitor_id, or
    pivot a poll's answers into a CRM field). Responses after as_of_date (local day, var timezone)
    and empty answers are ignored. fct_poll_results counts these answers. Grain: visitor_id, poll_id.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

responses as (

    select responses.*
    from {{ ref('int_poll_responses') }} as responses
    cross join report_window
    where
        responses.response is not null
        and cast({{ pulse_local_timestamp('responses.responded_at') }} as date) <= report_window.as_of_date

),

ranked_responses as (

    select
        response_id,
        poll_id,
        visitor_id,
        account_id,
        question,
        response,
        responded_at,
        row_number() over (
            partition by poll_id, visitor_id
            order by responded_at desc, response_id desc
        ) as response_recency_rank,
        count(*) over (partition by poll_id, visitor_id) as count_answers
    from responses

),

final as (

    select
        ranked_responses.visitor_id,
        ranked_responses.poll_id,
        ranked_responses.account_id,
        ranked_responses.question,
        ranked_responses.response,
        ranked_responses.responded_at,
        ranked_responses.response_id,
        ranked_responses.count_answers,
        report_window.as_of_date
    from ranked_responses
    cross join report_window
    where ranked_responses.response_recency_rank = 1

)

select * from final
