{#-
    The native raw table features, built from Pendo's feature_history and group (var
    source_system: pendo): the latest version of each id (by last_updated_at, then
    _fivetran_synced), every column as text, for base_product__features to parse and check:
    feature_name = name, product_area = the name of its group (the optional table group, its
    latest row per id), is_core_event = is_core_event (empty reads as false), product =
    app_id (a Pendo app is a product a subscription can buy). track_event is empty. Rows without an id pass through, to be quarantined.
-#}
with

feature_history as (

    select * from {{ pulse_source_rows('pendo', 'feature_history') }}

),

feature_groups as (

    select * from {{ pulse_source_rows('pendo', 'group') }}

),

versions as (

    select
        *,
        {{ pulse_clean_text('id') }} as feature_key,
        {{ pulse_version_rank('id', ['last_updated_at', '_fivetran_synced']) }} as version_rank
    from feature_history

),

group_names as (

    select
        {{ pulse_clean_text('id') }} as group_key,
        name as group_name,
        {{ pulse_version_rank('id', ['_fivetran_synced']) }} as group_rank
    from feature_groups

),

final as (

    select
        versions.id as feature_id,
        versions.name as feature_name,
        group_names.group_name as product_area,
        versions.is_core_event,
        versions.app_id as product,
        cast(null as {{ pulse_type('varchar') }}) as track_event,
        versions._source_file,
        versions._source_row,
        versions._load_id
    from versions
    left join group_names
        on {{ pulse_clean_text('versions.group_id') }} = group_names.group_key and group_names.group_rank = 1
    where versions.version_rank = 1 or versions.feature_key is null

)

select * from final
