{#-
    The native raw table visitors, built from Pendo's visitor_history and
    visitor_account_history (var source_system: pendo): the latest version of each id (by
    last_updated_at, then _fivetran_synced), every column as text, for base_product__visitors
    to parse, check and quarantine as it would a native file.
    - email, role, created_at: the visitor_history columns var pendo_visitor_fields names (a
      column the table does not have reads as empty);
    - account_id: the latest version's account_id, else the visitor's latest link in
      visitor_account_history (by visitor_last_updated_at, then _fivetran_synced). A visitor with neither is quarantined (missing_required account_id).
    Rows without an id pass through, to be quarantined (missing_required).
-#}
{%- set fields = var('pendo_visitor_fields') %}

with

visitor_history as (

    select * from {{ pulse_source_rows('pendo', 'visitor_history') }}

),

visitor_account_history as (

    select * from {{ pulse_source_rows('pendo', 'visitor_account_history') }}

),

versions as (

    select
        *,
        {{ pulse_clean_text('id') }} as visitor_key,
        {{ pulse_version_rank('id', ['last_updated_at', '_fivetran_synced']) }} as version_rank
    from visitor_history

),

links as (

    select
        {{ pulse_clean_text('visitor_id') }} as visitor_key,
        {{ pulse_clean_text('account_id') }} as account_id,
        {{ pulse_version_rank('visitor_id', ['visitor_last_updated_at', '_fivetran_synced']) }} as link_rank
    from visitor_account_history
    where {{ pulse_clean_text('account_id') }} is not null

),

final as (

    select
        versions.id as visitor_id,
        coalesce({{ pulse_clean_text('versions.account_id') }}, links.account_id) as account_id,
        {%- for column in ['email', 'role', 'created_at'] %}
            {%- if fields.get(column) %}
                versions.{{ fields[column] | lower }} as {{ column }},
            {%- else %}
                cast(null as {{ pulse_type('varchar') }}) as {{ column }},
            {%- endif %}
        {%- endfor %}
        versions._source_file,
        versions._source_row,
        versions._load_id
    from versions
    left join links
        on versions.visitor_key = links.visitor_key and links.link_rank = 1
    where versions.version_rank = 1 or versions.visitor_key is null

)

select * from final
