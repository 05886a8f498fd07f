{#-
    Pendo's polls, the latest row per id (by _fivetran_synced): which are NPS polls
    (attribute_type NPSRating, any case) and which answer another poll's follow-up (an NPS
    poll's comment). raw_pendo__nps_responses and raw_pendo__poll_responses split the answers
    by them. Grain: poll_id.
-#}
with

polls as (

    select * from {{ pulse_source_rows('pendo', 'poll') }}

),

versions as (

    select
        {{ pulse_clean_text('id') }} as poll_id,
        lower({{ pulse_clean_text('attribute_type') }}) = 'npsrating' as is_nps_poll,
        {{ pulse_clean_text('attribute_follow_up') }} as follow_up_poll_id,
        question,
        {{ pulse_version_rank('id', ['_fivetran_synced']) }} as poll_rank
    from polls

),

latest as (

    select * from versions
    where poll_rank = 1 and poll_id is not null

),

final as (

    select
        latest.poll_id,
        latest.question,
        coalesce(latest.is_nps_poll, false) as is_nps_poll,
        latest.follow_up_poll_id,
        latest.poll_id in (
            select nps_polls.follow_up_poll_id from latest as nps_polls
            where nps_polls.is_nps_poll and nps_polls.follow_up_poll_id is not null
        ) as is_nps_follow_up
    from latest

)

select * from final
