{#-
    Per account and feature as of as_of_date (README "Definitions": Segments): never used (clicks <= 1 in
    the window) and actively used (clicks >= 10), and a readable feature_segment.
-#}
with

feature_usage as (

    select * from {{ ref('fct_account_feature_usage') }}

),

final as (

    select
        account_id,
        feature_id,
        product_area,
        is_core_event,
        as_of_date,
        count_clicks_in_window,
        count_visitors_in_window,
        count_clicks_in_window <= {{ var('feature_never_used_max_clicks') }} as is_never_used,
        count_clicks_in_window >= {{ var('feature_active_min_clicks') }} as is_actively_used,
        case
            when count_clicks_in_window <= {{ var('feature_never_used_max_clicks') }} then 'never_used'
            when count_clicks_in_window >= {{ var('feature_active_min_clicks') }} then 'actively_used'
            else 'occasionally_used'
        end as feature_segment
    from feature_usage

)

select * from final
