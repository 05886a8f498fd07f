{#-
    In-app poll results as of as_of_date: one row per poll and answer (response), counting each
    visitor's latest answer to the poll (fct_visitor_poll_answers), so a visitor who answered
    twice counts once. Responses after as_of_date are ignored.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

latest_responses as (

    select * from {{ ref('fct_visitor_poll_answers') }}

),

ranked_by_poll as (

    select
        poll_id,
        question,
        row_number() over (
            partition by poll_id
            order by responded_at desc, response_id desc
        ) as poll_recency_rank
    from latest_responses

),

-- the wording of the poll's most recent answer
poll_questions as (

    select
        poll_id,
        question
    from ranked_by_poll
    where poll_recency_rank = 1

),

poll_totals as (

    select
        poll_id,
        count(*) as count_poll_responses
    from latest_responses
    group by poll_id

),

answer_counts as (

    select
        poll_id,
        response,
        count(*) as count_responses,
        count(distinct account_id) as count_accounts,
        max(responded_at) as last_responded_at
    from latest_responses
    group by poll_id, response

),

final as (

    select
        answer_counts.poll_id,
        answer_counts.response,
        poll_questions.question,
        report_window.as_of_date,
        answer_counts.count_responses,
        answer_counts.count_accounts,
        poll_totals.count_poll_responses,
        {{ pulse_ratio('answer_counts.count_responses', 'poll_totals.count_poll_responses') }}
            as share_of_poll_responses,
        cast(rank() over (
            partition by answer_counts.poll_id
            order by answer_counts.count_responses desc
        ) as {{ pulse_type('bigint') }}) as response_rank,
        answer_counts.last_responded_at
    from answer_counts
    inner join poll_totals
        on answer_counts.poll_id = poll_totals.poll_id
    inner join poll_questions
        on answer_counts.poll_id = poll_questions.poll_id
    cross join report_window

)

select * from final
