{#-
    Where the raw tables come from: var `source_system` (README "Bring your Pendo or Segment
    data"). The marts do not know it; only this file and the models of
    models/staging/<system>/ do.

    - native: every raw table of the contract is a file of PULSE_RAW_PATH (or a table of
      raw_schema), staged by its base_ model.
    - segment: the native tables accounts, visitors and events are not read. The models
      raw_segment__<table> build them from Segment's warehouse tables, row for row in the
      native raw contract's shape (every column as text, with _source_file, _source_row and
      _load_id of the Segment row they come from), and the native base_ models parse, check
      and quarantine those rows exactly as they would a native file. Every other table
      (features, NPS, polls, tickets, CRM) stays native.
    - pendo: likewise raw_pendo__<table> builds accounts, visitors, features, events (hourly
      aggregates: num_events, num_minutes), nps_responses and poll_responses from the tables
      Fivetran's Pendo connector writes; tickets, CRM activities, renewals and subscriptions
      stay native. A re-synced aggregate replaces the row it updates (latest delivery wins).
-#}

{#- Per source system: the native raw tables it provides, each with the raw tables of the
    system it is built from (their unparseable lines are that table's). The one list. -#}
{% macro pulse_source_systems() %}
    {{ return({
        'native': {},
        'segment': {
            'accounts': ['groups'],
            'visitors': ['identifies'],
            'events': ['tracks', 'pages', 'guide_seen', 'guide_dismissed'],
        },
        'pendo': {
            'accounts': ['account_history'],
            'visitors': ['visitor_history', 'visitor_account_history'],
            'features': ['feature_history', 'group'],
            'events': ['event', 'feature_event', 'page_event', 'guide_event', 'page_history'],
            'nps_responses': ['poll_event'],
            'poll_responses': ['poll'],
        },
    }) }}
{% endmacro %}

{% macro pulse_source_system() %}
    {%- set system = var('source_system') -%}
    {%- if system not in pulse_source_systems() -%}
        {{ pulse_fail("var source_system is '" ~ system ~ "'; it must be one of "
            ~ pulse_source_systems().keys() | join(', ')) }}
    {%- endif -%}
    {%- if system == 'native' and var('source_schema', '') -%}
        {{ pulse_fail("var source_schema is '" ~ var('source_schema') ~ "', but source_system is native; "
            ~ "source_schema names the schema of Pendo's or Segment's own tables") }}
    {%- endif -%}
    {{ return(system) }}
{% endmacro %}

{#- Which delivery of an event_id stg_product__events keeps: the earliest (a re-delivery of
    the same event), or for Pendo the latest (a re-synced aggregate row counts more). -#}
{% macro pulse_keeps_latest_delivery() %}
    {{ return(pulse_source_system() == 'pendo') }}
{% endmacro %}

{#- The rows of a base_ model that stand for their raw row now. Under pendo an activity row
    is emitted again, with a later _load_id, when tagged rows of its hour land after it
    (raw_pendo__events); the appended base model then holds both emissions of one
    (_source_file, _source_row), and only the latest stands for the row: the earlier is
    neither a duplicate nor a rejection. Every other raw row is emitted once. -#}
{% macro pulse_current_emissions(relation) -%}
    {%- if pulse_keeps_latest_delivery() -%}
        (select * from (
            select
                *,
                row_number() over (partition by _source_file, _source_row order by _load_id desc)
                    as _pulse_emission_rank
            from {{ relation }}
        ) as emissions where _pulse_emission_rank = 1) as current_emissions
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- The native tables the current source system builds from its own tables. -#}
{% macro pulse_provided_tables() %}
    {{ return(pulse_source_systems()[pulse_source_system()]) }}
{% endmacro %}

{#- Is this raw table read (landed) under the current source system? A table of a source
    system's own source (contract key source_system) only under that system; a native table
    unless the system provides it. -#}
{% macro pulse_is_read(table_name, spec) %}
    {%- set owner = spec['contract'].get('source_system') -%}
    {%- if owner -%}
        {#- with var source_schema they are read in place (pulse_source_rows), not landed -#}
        {{ return(owner == pulse_source_system() and not var('source_schema', '')) }}
    {%- endif -%}
    {{ return(table_name not in pulse_provided_tables()) }}
{% endmacro %}

{#- The relation whose rows a base_ model checks: the raw table, or the raw_<system>__<table>
    model that builds it from the source system's tables. -#}
{% macro pulse_raw_relation(source_name, table_name) %}
    {%- if table_name in pulse_provided_tables() -%}
        {{ return(ref('raw_' ~ pulse_source_system() ~ '__' ~ table_name)) }}
    {%- endif -%}
    {{ return(source(source_name, table_name)) }}
{% endmacro %}

{#- The unparseable lines of a raw table (landing): its own, or those of the source
    system's tables it is built from. -#}
{% macro pulse_unparseable_relation(source_name, table_name) %}
    {%- set provided = pulse_provided_tables() -%}
    {%- if table_name in provided and var('source_schema', '') -%}
        {#- tables written by the source's own loader are typed: no line is unparseable -#}
        {{ return('(select cast(null as ' ~ pulse_type('varchar') ~ ') as _source_file, '
            ~ 'cast(null as ' ~ pulse_type('bigint') ~ ') as _line_number, '
            ~ 'cast(null as ' ~ pulse_type('varchar') ~ ') as error_type, '
            ~ 'cast(null as ' ~ pulse_type('varchar') ~ ') as error_message, '
            ~ 'cast(null as ' ~ pulse_type('varchar') ~ ') as raw_line, '
            ~ 'cast(null as ' ~ pulse_type('bigint') ~ ') as _load_id where 1 = 0) as unparseable_lines_of_'
            ~ table_name) }}
    {%- elif table_name in provided -%}
        {%- set parts = [] -%}
        {%- for system_table in provided[table_name] -%}
            {%- do parts.append('select * from ' ~ source(pulse_source_system(), system_table ~ '__unparseable')) -%}
        {%- endfor -%}
        {{ return('(' ~ parts | join(' union all ') ~ ') as unparseable_lines_of_' ~ table_name) }}
    {%- endif -%}
    {{ return(source(source_name, table_name ~ '__unparseable')) }}
{% endmacro %}


{#- The rows of a source system's own table (`source(source_name, table_name)`) as its
    raw_<system>__ models read them: every raw contract column as text, with _source_file,
    _source_row and _load_id.
    - var source_schema empty: the table landed from the files of PULSE_RAW_PATH (DuckDB) or
      loaded by `pulse load` (PostgreSQL), which already has that shape. So do the fixtures
      of the unit tests.
    - var source_schema set: the table as the source's own loader writes it into that schema
      (Fivetran's Pendo connector, Segment's warehouse sync): typed columns, no bookkeeping.
      Each contract column is cast to text (numbers with at most 6 decimals, as the parsers
      read them; a column the table lacks, such as an unused agent_* field, reads as null).
      _source_file is '<schema>.<table>'. _source_row is a stable number for the row's
      identity (`_fivetran_id`, else the contract key; a row whose identity is empty, as
      Pendo's guide events without event_id, by all its columns; equal identities numbered
      in load order), so a row the loader rewrites in place keeps its number and is a later
      emission of the same row. _load_id is the load time in epoch seconds: Fivetran's
      _fivetran_synced, Segment's uuid_ts (BigQuery: loaded_at); a table with none of them
      stops the run with one line. Incremental runs re-read var source_load_lookback_seconds
      before the latest load they took (pulse_loads_after). An optional table the schema
      lacks is empty; a required one stops the run with one line. -#}
{% macro pulse_source_rows(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not var('source_schema', '') or not execute or model.resource_type == 'unit_test' -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set spec = pulse_raw_contract()[table_name] -%}
    {%- set where = relation.schema ~ '.' ~ table_name -%}
    {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- set have = {} -%}
    {%- if found is not none -%}
        {%- for column in adapter.get_columns_in_relation(found) -%}
            {%- do have.update({column.name | lower: column}) -%}
        {%- endfor -%}
    {%- elif not spec['contract'].get('optional') -%}
        {{ pulse_fail("table " ~ where ~ " not found: var source_system is "
            ~ source_name ~ " and var source_schema is '" ~ relation.schema ~ "', which must hold the tables "
            ~ "its loader writes (README \"Bring your Pendo or Segment data\")") }}
    {%- endif -%}
    {%- set synced = (['_fivetran_synced', 'uuid_ts', 'loaded_at'] | select('in', have) | list + [none])[0] -%}
    {%- if found is not none and synced is none -%}
        {{ pulse_fail("table " ~ where ~ " has no load-time column (_fivetran_synced, uuid_ts or loaded_at), "
            ~ "which tells an incremental run what is new") }}
    {%- endif -%}
    {%- set identity = ['_fivetran_id'] if ('_fivetran_id' in have and '_fivetran_id' in spec['columns']) else spec['contract']['key'] -%}
    {%- set typed -%}
        select
            {%- for column in spec['columns'] %}
            {% if column in have -%}
                {{ pulse_typed_as_text(adapter.quote(have[column].name), have[column].dtype) }}
            {%- else -%}
                cast(null as {{ pulse_type('varchar') }})
            {%- endif %} as {{ adapter.quote(column) }},
            {%- endfor %}
            {% if synced -%}
                {#- loaders always write it; a row without one is taken by a full refresh -#}
                coalesce({{ pulse_epoch_seconds(adapter.quote(have[synced].name)) }}, 0)
            {%- else -%}
                cast(null as {{ pulse_type('bigint') }})
            {%- endif %} as _load_id
        {% if found is not none -%}
        from {{ found }}
        {%- else -%}
        where 1 = 0
        {%- endif %}
    {%- endset -%}
    {%- set rows -%}
        (select
            identified.*,
            {{ pulse_quote(where) }} as _source_file,
            {{ pulse_hash_bigint('md5(concat_ws(' ~ pulse_quote('|') ~ ', _pulse_identity, cast(row_number() over ('
                ~ 'partition by _pulse_identity order by _load_id, _pulse_content) as ' ~ pulse_type('varchar') ~ ')))') }}
                as _source_row
        from (
            select
                typed.*,
                case
                    when {% for column in identity %}{{ pulse_clean_text('typed.' ~ adapter.quote(column)) }} is null{{ ' and ' if not loop.last }}{% endfor %}
                        then {{ pulse_row_key([table_name] + spec['columns'], 'typed') }}
                    else {{ pulse_row_key([table_name] + identity, 'typed') }}
                end as _pulse_identity,
                {{ pulse_row_key([table_name] + spec['columns'], 'typed') }} as _pulse_content
            from ({{ typed }}) as typed
        ) as identified) as {{ source_name }}_{{ table_name }}
    {%- endset -%}
    {{ return(rows) }}
{% endmacro %}

{#- A typed column as the text the parsers read: numbers with at most 6 decimals (a double's
    noise or a numeric's scale would not parse), dates as YYYY-MM-DD, timestamps as ISO-8601
    UTC text (the same on every engine, whatever the session's time zone), everything else as
    the warehouse prints it. -#}
{% macro pulse_typed_as_text(column, dtype) -%}
    {%- set kind = dtype | lower -%}
    {%- if kind.startswith('decimal') or kind.startswith('numeric') or kind in ('double', 'double precision', 'float', 'float4', 'float8', 'real') -%}
        cast(cast({{ column }} as decimal(21, 6)) as {{ pulse_type('varchar') }})
    {%- elif kind == 'date' -%}
        {{ pulse_date_text(column) }}
    {%- elif kind.startswith('timestamp') and ('with time zone' in kind or kind == 'timestamptz') -%}
        {{ pulse_timestamp_text(pulse_utc_instant(column)) }}
    {%- elif kind.startswith('timestamp') -%}
        {{ pulse_timestamp_text(column) }}
    {%- else -%}
        cast({{ column }} as {{ pulse_type('varchar') }})
    {%- endif -%}
{%- endmacro %}

{#- A source's text for a native date column (renewal_date): a date as it is; a timestamp (a
    loader may type a Pendo date field or a Segment trait as one) as its UTC calendar date;
    anything else as it is, for the base model to quarantine as invalid. -#}
{% macro pulse_source_date_text(expr) -%}
    case
        when {{ pulse_regex_full_match(expr, '[0-9]{4}-[0-9]{2}-[0-9]{2}') }} then {{ expr }}
        else coalesce({{ pulse_date_text('cast(' ~ pulse_parse_timestamp(expr) ~ ' as date)') }}, {{ expr }})
    end
{%- endmacro %}

{#- A timestamp's whole seconds since 1970-01-01 00:00 UTC. -#}
{% macro pulse_epoch_seconds(expr) -%}
    {{ return(adapter.dispatch('pulse_epoch_seconds', 'customer_pulse')(expr)) }}
{%- endmacro %}

{% macro default__pulse_epoch_seconds(expr) -%}
    cast(floor(epoch({{ expr }})) as bigint)
{%- endmacro %}

{% macro postgres__pulse_epoch_seconds(expr) -%}
    cast(floor(extract(epoch from {{ expr }})) as bigint)
{%- endmacro %}

{% macro spark__pulse_epoch_seconds(expr) -%}
    cast(unix_timestamp({{ expr }}) as bigint)
{%- endmacro %}

{#- The incremental filter of the models that take new loads: rows loaded after the latest
    load taken (max_load_id, a scalar subquery), less var source_load_lookback_seconds when
    the source's tables are read in place (a loader's rows can commit after a later load
    time was seen); with files the landing numbers loads exactly and nothing is re-read. -#}
{% macro pulse_loads_after(max_load_id) -%}
    {%- if var('source_schema', '') -%}
        _load_id > ({{ max_load_id }}) - {{ var('source_load_lookback_seconds') | int }}
    {%- else -%}
        _load_id > ({{ max_load_id }})
    {%- endif -%}
{%- endmacro %}

{#- A bigint from the first 60 bits of an md5 hex digest (non-negative). -#}
{% macro pulse_hash_bigint(md5_expr) -%}
    {{ return(adapter.dispatch('pulse_hash_bigint', 'customer_pulse')(md5_expr)) }}
{%- endmacro %}

{% macro default__pulse_hash_bigint(md5_expr) -%}
    cast(('0x' || substr({{ md5_expr }}, 1, 15)) as bigint)
{%- endmacro %}

{% macro postgres__pulse_hash_bigint(md5_expr) -%}
    ('x' || substr({{ md5_expr }}, 1, 15))::bit(60)::bigint
{%- endmacro %}

{% macro spark__pulse_hash_bigint(md5_expr) -%}
    cast(conv(substr({{ md5_expr }}, 1, 15), 16, 10) as bigint)
{%- endmacro %}


{#- The latest non-empty value of `value` in a group: by the order expressions, each
    descending (nulls last). For the traits of Segment's identifies and groups, where a call
    without a trait does not clear it. -#}
{% macro pulse_latest_value(value, order_by) -%}
    {{ return(adapter.dispatch('pulse_latest_value', 'customer_pulse')(value, order_by)) }}
{%- endmacro %}

{% macro default__pulse_latest_value(value, order_by) -%}
    (array_agg({{ value }} order by
        {%- for expr in order_by %} {{ expr }} desc nulls last{{ ',' if not loop.last }}{% endfor %})
        filter (where {{ value }} is not null))[1]
{%- endmacro %}

{% macro spark__pulse_latest_value(value, order_by) -%}
    max_by({{ value }}, struct({{ order_by | join(', ') }})) filter (where {{ value }} is not null)
{%- endmacro %}


{#- A stable key for a source row that has no id of its own (Pendo's aggregates, answers
    with an empty event_id): md5 of the literal parts[0] (the table) and the trimmed text of
    the columns parts[1:] (of relation_alias when given; `timestamp` as its parsed instant). -#}
{% macro pulse_row_key(parts, relation_alias=none) -%}
    md5(concat_ws('|', {{ pulse_quote(parts[0]) }}
    {%- for column in parts[1:] -%}
        {%- set text = pulse_clean_text((relation_alias ~ '.' if relation_alias else '') ~ column) -%}
        {%- if column == 'timestamp' -%}
            {#- one instant, one key, however the text writes it -#}
            , coalesce(cast({{ pulse_parse_timestamp(text) }} as {{ pulse_type('varchar') }}), {{ text }}, '')
        {%- else -%}
            , coalesce({{ text }}, '')
        {%- endif -%}
    {%- endfor -%}
    ))
{%- endmacro %}


{#- The rank of a row among the versions of its id in a history table (1 = the latest): by
    the timestamp columns, each descending (nulls last), then the latest landed (load, file,
    row). -#}
{% macro pulse_version_rank(id_column, timestamp_columns) -%}
    row_number() over (
        partition by {{ pulse_clean_text(id_column) }}
        order by
            {%- for column in timestamp_columns %}
                {{ pulse_parse_timestamp(pulse_clean_text(column)) }} desc nulls last,
            {%- endfor %}
            _load_id desc,
            _source_file desc,
            _source_row desc
    )
{%- endmacro %}


{#- The id of a Pendo poll answer (poll_event row of `alias`): event_id, else _fivetran_id,
    else a hash of its key (the seeds Fivetran publishes have both empty). -#}
{% macro pulse_pendo_answer_id(alias) -%}
    coalesce(
        {{ pulse_clean_text(alias ~ '.event_id') }},
        {{ pulse_clean_text(alias ~ '._fivetran_id') }},
        {{ pulse_row_key(['poll_event', 'visitor_id', 'account_id', 'timestamp', 'app_id', 'server_name',
            'remote_ip', 'user_agent', 'poll_id', 'guide_id'], alias) }}
    )
{%- endmacro %}
