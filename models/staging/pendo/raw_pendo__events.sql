{#-
    The native raw table events, built from Pendo's event tables (var source_system: pendo):
    one row per Pendo row, every column as text, for base_product__events and
    stg_product__events to parse, check, de-duplicate (a re-synced row, same key and a later
    _fivetran_synced, replaces the earlier) and quarantine as they would a native file.
    Pendo's event, feature_event and page_event rows are hourly aggregates (README "The
    activity grain"); feature_event and page_event are subsets of event, so nothing counts
    twice:
    - feature_event: a feature_click row on feature_id, num_events clicks, num_minutes 0;
    - page_event: a page_view row named by the page (page_history's latest name, else the
      page_id), num_events loads, num_minutes 0;
    - event: an `activity` row for the rest of the hour's events: num_events less the
      feature_event and page_event rows of the same visitor, account, hour and client (their
      latest sync each; never below 0), and all of its num_minutes. When such a row arrives
      or is re-synced after the event row, the activity row is delivered again with that
      load and sync, and replaces the earlier (stg_product__events keeps the latest);
    - guide_event: one event, guideSeen -> guide_seen and guideDismissed -> guide_dismissed
      named by guide_id; other types keep their Pendo name (staged as `other`).
    event_id: _fivetran_id (guide_event: event_id) when given, else a hash of the row's key
    (its table, visitor, account, hour, client, and feature / page / guide and type);
    occurred_at = timestamp (the hour, UTC), received_at = _fivetran_synced.
-#}
{%- set client = ['visitor_id', 'account_id', 'timestamp', 'app_id', 'server_name', 'remote_ip', 'user_agent'] %}

with

activity as (

    select * from {{ pulse_source_rows('pendo', 'event') }}

),

feature_events as (

    select * from {{ pulse_source_rows('pendo', 'feature_event') }}

),

page_events as (

    select * from {{ pulse_source_rows('pendo', 'page_event') }}

),

guide_events as (

    select * from {{ pulse_source_rows('pendo', 'guide_event') }}

),

page_history as (

    select * from {{ pulse_source_rows('pendo', 'page_history') }}

),

page_names as (

    select
        page_key,
        page_name
    from (
        select
            {{ pulse_clean_text('id') }} as page_key,
            {{ pulse_clean_text('name') }} as page_name,
            {{ pulse_version_rank('id', ['last_updated_at', '_fivetran_synced']) }} as version_rank
        from page_history
    ) as versions
    where version_rank = 1

),

tagged_rows as (

    select
        {%- for column in client %}
            {{ pulse_parse_timestamp(pulse_clean_text(column)) if column == 'timestamp' else pulse_clean_text(column) }}
                as {{ column }},
        {%- endfor %}
        'feature ' || coalesce({{ pulse_clean_text('feature_id') }}, '') as tagged_key,
        {{ pulse_parse_integer(pulse_clean_text('num_events')) }} as tagged_events,
        {{ pulse_parse_timestamp(pulse_clean_text('_fivetran_synced')) }} as synced_at,
        _load_id
    from feature_events
    union all
    select
        {%- for column in client %}
            {{ pulse_parse_timestamp(pulse_clean_text(column)) if column == 'timestamp' else pulse_clean_text(column) }}
                as {{ column }},
        {%- endfor %}
        'page ' || coalesce({{ pulse_clean_text('page_id') }}, '') as tagged_key,
        {{ pulse_parse_integer(pulse_clean_text('num_events')) }} as tagged_events,
        {{ pulse_parse_timestamp(pulse_clean_text('_fivetran_synced')) }} as synced_at,
        _load_id
    from page_events

),

latest_tagged_rows as (

    {#- a re-synced feature or page row counts once: its latest sync -#}
    select * from (
        select
            *,
            row_number() over (
                partition by {{ client | join(', ') }}, tagged_key
                order by synced_at desc nulls last, _load_id desc
            ) as sync_rank
        from tagged_rows
    ) as ranked
    where sync_rank = 1

),

tagged_per_client as (

    select
        {%- for column in client %}
            {{ column }},
        {%- endfor %}
        sum(tagged_events) as tagged_events,
        max(synced_at) as tagged_synced_at,
        max(_load_id) as tagged_load_id
    from latest_tagged_rows
    group by {{ client | join(', ') }}

),

activity_rows as (

    select
        activity.*,
        {{ pulse_parse_integer(pulse_clean_text('activity.num_events')) }} as parsed_num_events,
        {{ pulse_parse_timestamp(pulse_clean_text('activity._fivetran_synced')) }} as synced_at,
        tagged_per_client.tagged_events,
        tagged_per_client.tagged_synced_at,
        tagged_per_client.tagged_load_id
    from activity
    -- the hour as an instant (however its text writes it); the client null-safe
    left join tagged_per_client
        on
            {%- for column in client %}
                {{ 'and ' if not loop.first -}}
                {%- if column == 'timestamp' %}
                    {{ pulse_parse_timestamp(pulse_clean_text('activity.timestamp')) }} = tagged_per_client.timestamp
                {%- else %}
                    coalesce({{ pulse_clean_text('activity.' ~ column) }}, '')
                    = coalesce(tagged_per_client.{{ column }}, '')
                {%- endif %}
            {%- endfor %}

),

rows_of_all_tables as (

    select
        coalesce(
            {{ pulse_clean_text('_fivetran_id') }},
            {{ pulse_row_key(['event'] + client) }}
        ) as event_id,
        timestamp as occurred_at,
        {#- a feature or page row synced later changes the rest: the activity row is then
            delivered again (that load, that sync) and replaces the one staged before -#}
        case
            when tagged_synced_at > synced_at then {{ pulse_timestamp_text('tagged_synced_at') }}
            else _fivetran_synced
        end as received_at,
        visitor_id,
        account_id,
        'activity' as event_type,
        cast(null as {{ pulse_type('varchar') }}) as event_name,
        cast(null as {{ pulse_type('varchar') }}) as feature_id,
        case
            when parsed_num_events is null then num_events
            else cast(
                case
                    when parsed_num_events - coalesce(tagged_events, 0) > 0
                        then parsed_num_events - coalesce(tagged_events, 0)
                    else 0
                end as {{ pulse_type('varchar') }}
            )
        end as num_events,
        num_minutes,
        _source_file,
        _source_row,
        case when tagged_load_id > _load_id then tagged_load_id else _load_id end as _load_id
    from activity_rows

    union all

    select
        coalesce(
            {{ pulse_clean_text('_fivetran_id') }},
            {{ pulse_row_key(['feature_event'] + client + ['feature_id']) }}
        ) as event_id,
        timestamp as occurred_at,
        _fivetran_synced as received_at,
        visitor_id,
        account_id,
        'feature_click' as event_type,
        cast(null as {{ pulse_type('varchar') }}) as event_name,
        feature_id,
        num_events,
        '0' as num_minutes,
        _source_file,
        _source_row,
        _load_id
    from feature_events

    union all

    select
        coalesce(
            {{ pulse_clean_text('page_events._fivetran_id') }},
            {{ pulse_row_key(['page_event'] + client + ['page_id'], 'page_events') }}
        ) as event_id,
        page_events.timestamp as occurred_at,
        page_events._fivetran_synced as received_at,
        page_events.visitor_id,
        page_events.account_id,
        'page_view' as event_type,
        coalesce(page_names.page_name, {{ pulse_clean_text('page_events.page_id') }}) as event_name,
        cast(null as {{ pulse_type('varchar') }}) as feature_id,
        page_events.num_events,
        '0' as num_minutes,
        page_events._source_file,
        page_events._source_row,
        page_events._load_id
    from page_events
    left join page_names
        on {{ pulse_clean_text('page_events.page_id') }} = page_names.page_key

    union all

    select
        coalesce(
            {{ pulse_clean_text('event_id') }},
            {{ pulse_clean_text('_fivetran_id') }},
            {{ pulse_row_key(['guide_event'] + client + ['guide_id', 'type']) }}
        ) as event_id,
        timestamp as occurred_at,
        _fivetran_synced as received_at,
        visitor_id,
        account_id,
        case {{ pulse_clean_text('type') }}
            when 'guideSeen' then 'guide_seen'
            when 'guideDismissed' then 'guide_dismissed'
            else {{ pulse_clean_text('type') }}
        end as event_type,
        guide_id as event_name,
        cast(null as {{ pulse_type('varchar') }}) as feature_id,
        cast(null as {{ pulse_type('varchar') }}) as num_events,
        cast(null as {{ pulse_type('varchar') }}) as num_minutes,
        _source_file,
        _source_row,
        _load_id
    from guide_events

),

final as (

    select
        event_id,
        occurred_at,
        received_at,
        visitor_id,
        account_id,
        event_type,
        event_name,
        feature_id,
        cast(null as {{ pulse_type('varchar') }}) as properties,
        num_events,
        num_minutes,
        _source_file,
        _source_row,
        _load_id
    from rows_of_all_tables

)

select * from final
