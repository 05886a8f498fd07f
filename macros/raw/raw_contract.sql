{#-
    The raw input contract (README "Your own data") is data: the `raw_contract` meta and the columns of the
    raw tables in models/staging/<source>/_<source>__sources.yml. Landing, the base models,
    the generator (scripts/pulse/contract.py reads the same YAML) and the tests all read it.

    Per table (source meta `raw_contract`):
      key             columns that identify a row (a second row with the same key is a
                      duplicate_key, or for `duplicates: deliveries` a re-delivery)
      keep_first_by   which of several rows with one key is kept (earliest first)
      duplicates      `deliveries`: re-deliveries are counted in the _duplicates model
      incremental     staged incrementally: a changed or removed file stops the run
      must_have_rows  an empty table stops the run with one line
      source_system   the table belongs to that source system's own source (segment, ...):
                      it is read only when var source_system names it (source_systems.sql)
      columns_var     a var whose values name more (text) columns to land: trait columns
      optional        the table may be missing from the raw folder: it is then landed empty
                      (a file or folder once landed and then removed still stops the run)
    Per column (in contract order; data_type is the type the raw text must parse as: text,
    timestamp, date, number, integer, boolean), column meta:
      required, accepted_values (+ other_value: unlisted values become this instead of being
      rejected), min (below it: invalid_value), min_var / max_var / out_of_range (a range set
      by vars and the reason outside it), default (the column used when this one is empty),
      references (the raw table whose key this column names), default_via (when empty, take
      the value of the row another column references: an event's account is its visitor's),
      not_after {column, reason, days_var} (the value may lie at most var days_var days, 0
      without it, after the other column's, else the row is rejected with reason: an event's
      occurred_after_received, a subscription's ended_before_started).

    Returns {table: {source, staged_columns (the columns of its stg_ model, as its yml lists
    them), columns, required, types, meta, contract}} (empty while dbt
    parses the project: the graph is only filled at execution).
-#}
{% macro pulse_raw_contract() %}
    {%- set contract = {} -%}
    {%- if execute and not graph.get('sources') -%}
        {#- dbt compiles unit tests against an empty graph: read the copy on-run-start stored -#}
        {%- set stored = run_query('select contract from ' ~ target.schema ~ '._pulse_raw_contract') -%}
        {{ return(fromjson(stored.rows[0][0])) }}
    {%- elif execute -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- set table_meta = node.config.meta.get('raw_contract') if node.config.meta else none -%}
            {%- if table_meta is not none -%}
                {%- set columns = [] -%}
                {%- set types = {} -%}
                {%- set column_meta = {} -%}
                {%- for column in node.columns.values() if column.data_type -%}
                    {%- do columns.append(column.name) -%}
                    {%- do types.update({column.name: column.data_type}) -%}
                    {%- do column_meta.update({column.name: column.config.meta or {}}) -%}
                {%- endfor -%}
                {#- columns named by a mapping var (Segment's trait columns) are landed too -#}
                {%- for name in (var(table_meta['columns_var']).values() if table_meta.get('columns_var') else []) | map('lower') | unique if name not in columns -%}
                    {%- do columns.append(name) -%}
                    {%- do types.update({name: 'text'}) -%}
                    {%- do column_meta.update({name: {}}) -%}
                {%- endfor -%}
                {%- set entity = node.name[node.source_name | length + 1:] if node.name.startswith(node.source_name ~ '_') else node.name -%}
                {%- set staged_node = graph.nodes.get('model.' ~ project_name ~ '.stg_' ~ node.source_name ~ '__' ~ entity) -%}
                {%- do contract.update({node.name: {
                    'source': node.source_name,
                    'staged_columns': (staged_node.columns.keys() | list) if staged_node else [],
                    'columns': columns,
                    'required': columns | select('in', column_meta | dictsort | selectattr('1.required') | map(attribute='0') | list) | list,
                    'types': types,
                    'meta': column_meta,
                    'contract': table_meta,
                }}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(contract) }}
{% endmacro %}

{#- on-run-start: store the contract as JSON in <schema>._pulse_raw_contract, for the unit
    tests (compiled without the graph). A cache of the YAML, rewritten every run. -#}
{% macro pulse_store_raw_contract() %}
    {#- one statement per call: Spark runs no statement lists -#}
    {% do run_query('create schema if not exists ' ~ target.schema) %}
    {% do run_query('drop table if exists ' ~ target.schema ~ '._pulse_raw_contract') %}
    {% do run_query(
        'create table ' ~ target.schema ~ '._pulse_raw_contract as select '
        ~ pulse_quote(tojson(pulse_raw_contract())) ~ ' as contract'
    ) %}
    {% if target.type == 'postgres' %}{% do run_query('commit') %}{% endif %}
{% endmacro %}

{#- The version of the raw contract: recorded in the run log; a change makes the next run
    rebuild (or refuse) the incremental models built under the old contract. -#}
{% macro pulse_raw_contract_version() %}
    {#- 3: the optional table subscriptions and the column features.product;
        4: the columns features.track_event, events.num_events and events.num_minutes, and
        the event type activity -#}
    {{ return('4') }}
{% endmacro %}
