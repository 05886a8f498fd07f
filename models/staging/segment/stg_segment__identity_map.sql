{#-
    Identity stitching: each anonymous_id that an Identify call linked to a user_id, with that
    user_id (the latest such call, by timestamp, then received_at, then id, wins). Only
    identifies stitch (README "Bring your Pendo or Segment data"). Grain: anonymous_id.
-#}
with

identifies as (

    select * from {{ pulse_source_rows('segment', 'identifies') }}

),

cleaned as (

    select
        {{ pulse_clean_text('anonymous_id') }} as anonymous_id,
        {{ pulse_clean_text('user_id') }} as user_id,
        {{ pulse_clean_text('timestamp') }} as timestamp_text,
        {{ pulse_clean_text('received_at') }} as received_at_text,
        {{ pulse_clean_text('id') }} as message_id
    from identifies

),

links as (

    select
        anonymous_id,
        user_id,
        {{ pulse_parse_timestamp('timestamp_text') }} as identified_at,
        {{ pulse_parse_timestamp('received_at_text') }} as received_at,
        message_id
    from cleaned

),

final as (

    select
        anonymous_id,
        {{ pulse_latest_value('user_id', ['identified_at', 'received_at', 'message_id']) }} as user_id
    from links
    where anonymous_id is not null and user_id is not null
    group by anonymous_id

)

select * from final
