{#-
    The native raw table events, built from Segment's tracks and pages (var source_system:
    segment): one row per Track or Page call, every column as text, for base_product__events
    and stg_product__events to parse, check, de-duplicate (a re-delivered message id keeps its
    earliest delivery) and quarantine as they would a native file.
    - event_id: the message id; occurred_at: timestamp; received_at: received_at.
    - visitor_id: user_id, else the user_id an identify linked the anonymous_id to
      (stg_segment__identity_map), else the anonymous_id itself, which names no visitor: the
      event is quarantined as unknown_visitor. account_id is left empty: the visitor's
      account (its latest group) fills it.
    - A track whose `event` slug equals a feature's feature_id or track_event (the native
      features file) is a feature_click on that feature (several: the smallest feature_id),
      named by event_text. Else a slug in var segment_track_event_types takes that event
      type (guide_seen / guide_dismissed are named by the guide_id of Segment's per-event
      table of the same name; others by event_text). Any other track is a `track` event
      named by its slug.
    - A page is a page_view named by `name`.
    properties is empty: Segment keeps a track's properties in its per-event table.
    Stitching reads the identifies landed so far: an anonymous event landed before the
    identify that links it stays quarantined (rebuild with --full-refresh to stitch it).
-#}
{%- set track_types = var('segment_track_event_types') %}

with

tracks as (

    select * from {{ pulse_source_rows('segment', 'tracks') }}

),

pages as (

    select * from {{ pulse_source_rows('segment', 'pages') }}

),

guide_properties as (

    select
        id,
        guide_id
    from {{ pulse_source_rows('segment', 'guide_seen') }}
    union all
    select
        id,
        guide_id
    from {{ pulse_source_rows('segment', 'guide_dismissed') }}

),

identity_map as (

    select * from {{ ref('stg_segment__identity_map') }}

),

features as (

    select * from {{ ref('stg_product__features') }}

),

feature_slugs as (

    select
        slug,
        min(feature_id) as feature_id
    from (
        select
            feature_id as slug,
            feature_id
        from features
        union all
        select
            track_event as slug,
            feature_id
        from features
        where track_event is not null
    ) as slugs
    group by slug

),

guide_ids as (

    select
        {{ pulse_clean_text('id') }} as message_id,
        min({{ pulse_clean_text('guide_id') }}) as guide_id
    from guide_properties
    group by {{ pulse_clean_text('id') }}

),

calls as (

    select
        id,
        anonymous_id,
        user_id,
        false as is_page,
        {{ pulse_clean_text('event') }} as slug,
        event_text as call_name,
        timestamp,
        received_at,
        _source_file,
        _source_row,
        _load_id
    from tracks

    union all

    select
        id,
        anonymous_id,
        user_id,
        true as is_page,
        cast(null as {{ pulse_type('varchar') }}) as slug,
        name as call_name,
        timestamp,
        received_at,
        _source_file,
        _source_row,
        _load_id
    from pages

),

typed as (

    select
        calls.*,
        feature_slugs.feature_id,
        coalesce(
            {{ pulse_clean_text('calls.user_id') }},
            identity_map.user_id,
            calls.anonymous_id
        ) as visitor_id,
        case
            when calls.is_page then 'page_view'
            when feature_slugs.feature_id is not null then 'feature_click'
            {%- for slug, event_type in track_types.items() %}
                when calls.slug = {{ pulse_quote(slug) }} then {{ pulse_quote(event_type) }}
            {%- endfor %}
            else 'track'
        end as event_type
    from calls
    left join identity_map
        on {{ pulse_clean_text('calls.anonymous_id') }} = identity_map.anonymous_id
    left join feature_slugs
        on calls.slug = feature_slugs.slug

),

final as (

    select
        typed.id as event_id,
        typed.timestamp as occurred_at,
        typed.received_at,
        typed.visitor_id,
        cast(null as {{ pulse_type('varchar') }}) as account_id,
        typed.event_type,
        case
            when typed.event_type in ('guide_seen', 'guide_dismissed') then guide_ids.guide_id
            when typed.event_type = 'track' then typed.slug
            else typed.call_name
        end as event_name,
        typed.feature_id,
        cast(null as {{ pulse_type('varchar') }}) as properties,
        cast(null as {{ pulse_type('varchar') }}) as num_events,
        cast(null as {{ pulse_type('varchar') }}) as num_minutes,
        typed._source_file,
        typed._source_row,
        typed._load_id
    from typed
    left join guide_ids
        on {{ pulse_clean_text('typed.id') }} = guide_ids.message_id

)

select * from final
