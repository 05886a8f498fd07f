{#-
    Pendo's poll answers (poll_event), one row per row, each with its part:
    - nps_rating: an answer to an NPS poll (stg_pendo__polls.is_nps_poll);
    - nps_comment: the comment of one rating: an answer to that NPS poll's follow-up poll by
      the same visitor in the same guide, at or after the rating and within var
      pendo_nps_comment_max_days (1) days, given to
      the latest such rating before it, and the first such answer of that rating
      (rating_response_id names it);
    - poll: every other answer, including a follow-up answer that is no rating's comment (so
      no answer is lost).
    raw_pendo__nps_responses and raw_pendo__poll_responses read it: every row lands in
    exactly one of them. response_id = event_id, else _fivetran_id, else a hash of the key.
    Grain: response_id per row (_source_file, _source_row).
-#}
with

poll_events as (

    select * from {{ pulse_source_rows('pendo', 'poll_event') }}

),

polls as (

    select * from {{ ref('stg_pendo__polls') }}

),

answers as (

    select
        poll_events.*,
        {{ pulse_pendo_answer_id('poll_events') }} as response_id,
        {{ pulse_clean_text('poll_events.visitor_id') }} as visitor_key,
        coalesce({{ pulse_clean_text('poll_events.guide_id') }}, '') as guide_key,
        {{ pulse_parse_timestamp(pulse_clean_text('poll_events.timestamp')) }} as answered_at,
        coalesce(polls.is_nps_poll, false) as is_nps_rating,
        polls.follow_up_poll_id,
        coalesce(polls.is_nps_follow_up, false) as is_nps_follow_up,
        polls.poll_id as poll_key
    from poll_events
    left join polls
        on {{ pulse_clean_text('poll_events.poll_id') }} = polls.poll_id

),

ratings as (

    select * from answers
    where is_nps_rating

),

follow_ups as (

    select * from answers
    where is_nps_follow_up and not is_nps_rating

),

follow_up_ratings as (

    -- each follow-up answer goes to the latest rating at or before it that it can comment
    select
        follow_ups._source_file,
        follow_ups._source_row,
        follow_ups.answered_at,
        ratings.response_id as rating_response_id,
        row_number() over (
            partition by follow_ups._source_file, follow_ups._source_row
            order by ratings.answered_at desc, ratings.response_id desc
        ) as rating_rank
    from follow_ups
    inner join ratings
        on
            follow_ups.poll_key = ratings.follow_up_poll_id
            and follow_ups.visitor_key = ratings.visitor_key
            and follow_ups.guide_key = ratings.guide_key
            and follow_ups.answered_at >= ratings.answered_at
            and follow_ups.answered_at
            <= {{ dbt.dateadd('day', var('pendo_nps_comment_max_days'), 'ratings.answered_at') }}

),

comments as (

    -- a rating's comment is the first follow-up given to it
    select
        _source_file,
        _source_row,
        rating_response_id,
        row_number() over (
            partition by rating_response_id
            order by answered_at, _source_file, _source_row
        ) as comment_rank
    from follow_up_ratings
    where rating_rank = 1

),

final as (

    select
        answers.response_id,
        case
            when answers.is_nps_rating then 'nps_rating'
            when comments.rating_response_id is not null then 'nps_comment'
            else 'poll'
        end as answer_part,
        comments.rating_response_id,
        answers.poll_id,
        answers.visitor_id,
        answers.account_id,
        answers.poll_response,
        answers.timestamp,
        answers.answered_at,
        answers._source_file,
        answers._source_row,
        answers._load_id
    from answers
    left join comments
        on
            answers._source_file = comments._source_file
            and answers._source_row = comments._source_row
            and comments.comment_rank = 1

)

select * from final
