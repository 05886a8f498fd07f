{#-
    The counts behind PES adoption, per engagement scope (each account, and the product) and
    metric day: the distinct (visitor, depth feature) pairs clicked in the window_days days
    ending on the metric day, and the number of depth features (dim_features.is_depth_feature).
    fct_engagement_scores_daily divides the first by depth features x active visitors.

    Distinct pairs over the window with "coverage" intervals (macro
    pulse_rolling_distinct_count), without a 30x join. Rows, metric days written and days
    read: macro pulse_engagement_days_ctes.
-#}
{{ pulse_history_config() }}
{%- set window_days = pulse_window_days() -%}

with

{{ pulse_engagement_days_ctes(active_days=false) }}

depth_features as (

    select * from {{ ref('dim_features') }}
    where is_depth_feature

),

feature_days as (

    select * from {{ ref('int_visitor_feature_days_aggregated') }}

),

depth_feature_days as (

    select distinct
        feature_days.account_id,
        feature_days.visitor_id,
        feature_days.feature_id,
        feature_days.activity_date
    from feature_days
    inner join depth_features
        on feature_days.feature_id = depth_features.feature_id
    cross join reach
    where feature_days.activity_date between reach.reach_start_date and reach.end_date

),

scoped_feature_days as (

    select
        'account' as engagement_scope,
        account_id as scope_id,
        visitor_id,
        feature_id,
        activity_date
    from depth_feature_days

    union all

    select distinct
        'product' as engagement_scope,
        'product' as scope_id,
        visitor_id,
        feature_id,
        activity_date
    from depth_feature_days

),

adoption as (

    {{ pulse_rolling_distinct_count(
        'scoped_feature_days', 'visitor_id, feature_id', 'metric_days', window_days,
        'count_visitor_core_features', ['engagement_scope', 'scope_id']
    ) }}

),

depth_feature_count as (

    select cast(count(*) as {{ pulse_type('bigint') }}) as count_depth_features
    from depth_features

),

final as (

    select
        scope_days.metric_date,
        scope_days.scope_id,
        scope_days.engagement_scope,
        scope_days.account_id,
        cast(coalesce(adoption.count_visitor_core_features, 0) as {{ pulse_type('bigint') }})
            as count_visitor_core_features,
        depth_feature_count.count_depth_features,
        source_batch.source_batch_at as _pulse_source_batch_at,
        {{ pulse_run_started_at() }} as _pulse_batch_at
    from scope_days
    cross join depth_feature_count
    cross join source_batch
    left join adoption
        on
            scope_days.engagement_scope = adoption.engagement_scope
            and scope_days.scope_id = adoption.scope_id
            and scope_days.metric_date = adoption.metric_date

)

select * from final
