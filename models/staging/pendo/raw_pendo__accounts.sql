{#-
    The native raw table accounts, built from Pendo's account_history (var source_system:
    pendo): the latest version of each id (by last_updated_at, then _fivetran_synced), every
    column as text, for base_product__accounts to parse, check and quarantine as it would a
    native file. Each account column is the account_history column var pendo_account_fields
    names (a column the table does not have reads as empty); created_at falls back to
    first_visit; a date column (renewal_date) typed as a timestamp reads as its UTC date.
    Rows without an id pass through, to be quarantined (missing_required).
-#}
{%- set fields = var('pendo_account_fields') %}
{%- set native_types = pulse_raw_contract().get('accounts', {}).get('types', {}) %}
{%- set account_columns = [
    'account_name', 'parent_account_id', 'plan_tier', 'arr_usd', 'seats_purchased', 'industry',
    'region', 'csm_owner', 'created_at', 'renewal_date', 'churned_at',
] %}

with

account_history as (

    select * from {{ pulse_source_rows('pendo', 'account_history') }}

),

versions as (

    select
        *,
        {{ pulse_clean_text('id') }} as account_key,
        {{ pulse_version_rank('id', ['last_updated_at', '_fivetran_synced']) }} as version_rank
    from account_history

),

final as (

    select
        id as account_id,
        {%- for column in account_columns %}
            {%- if column == 'created_at' %}
                coalesce(
                    {{ pulse_clean_text(fields[column] | lower) if fields.get(column) else 'null' }},
                    {{ pulse_clean_text('first_visit') }}
                ) as created_at,
            {%- elif fields.get(column) and native_types.get(column) == 'date' %}
                {{ pulse_source_date_text(pulse_clean_text(fields[column] | lower)) }} as {{ column }},
            {%- elif fields.get(column) %}
                {{ fields[column] | lower }} as {{ column }},
            {%- else %}
                cast(null as {{ pulse_type('varchar') }}) as {{ column }},
            {%- endif %}
        {%- endfor %}
        _source_file,
        _source_row,
        _load_id
    from versions
    where version_rank = 1 or account_key is null

)

select * from final
