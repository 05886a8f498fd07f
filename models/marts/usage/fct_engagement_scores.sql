{#-
    Product Engagement Score (README "Definitions") as of as_of_date: one row per account (scope 'account')
    and one product-wide row (scope 'product', account_id null). Components are 0-100:
    adoption, stickiness (var stickiness_metric: dau_mau, wau_mau or dau_wau) and growth;
    PES is the mean of the components that are not null.
    Weekly active visitors = mean over the complete 7-day blocks of the window, counted back
    from as_of_date, of the visitors active in the block.
-#}
{%- set window_days = pulse_window_days() -%}
{%- set count_week_blocks = (window_days // 7) -%}
{%- set stickiness_metric = var('stickiness_metric') | lower -%}
{%- if stickiness_metric not in ('dau_mau', 'wau_mau', 'dau_wau') -%}
    {{ exceptions.raise_compiler_error(
        "Customer Pulse: var stickiness_metric must be dau_mau, wau_mau or dau_wau, got '"
        ~ var('stickiness_metric') ~ "'") }}
{%- endif -%}
{%- if stickiness_metric == 'dau_mau' -%}
    {%- set stickiness_score = pulse_ratio(
        '100.0 * count_visitor_days', window_days ~ ' * count_active_visitors', 2) -%}
{%- elif stickiness_metric == 'wau_mau' -%}
    {%- set stickiness_score = pulse_ratio(
        '100.0 * count_visitor_weeks', count_week_blocks ~ ' * count_active_visitors', 2) -%}
{%- else -%}
    {%- set stickiness_score = pulse_ratio(
        '100.0 * count_visitor_days * ' ~ count_week_blocks, window_days ~ ' * count_visitor_weeks', 2) -%}
{%- endif -%}
{%- if count_week_blocks == 0 and stickiness_metric != 'dau_mau' -%}
    {{ exceptions.raise_compiler_error(
        "Customer Pulse: stickiness_metric " ~ stickiness_metric ~ " needs window_days >= 7") }}
{%- endif -%}

with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

depth_features as (

    select * from {{ ref('dim_features') }}
    where is_depth_feature

),

visitor_days as (

    select
        visitor_days.visitor_id,
        visitor_days.account_id,
        visitor_days.activity_date
    from {{ ref('fct_visitor_days') }} as visitor_days
    cross join report_window
    where visitor_days.is_active and visitor_days.activity_date <= report_window.as_of_date

),

scoped_days as (

    select
        'account' as engagement_scope,
        account_id as scope_id,
        visitor_id,
        activity_date
    from visitor_days

    union all

    select distinct
        'product' as engagement_scope,
        'product' as scope_id,
        visitor_id,
        activity_date
    from visitor_days

),

window_feature_uses as (

    select distinct
        feature_days.account_id,
        feature_days.visitor_id,
        feature_days.feature_id
    from {{ ref('int_visitor_feature_days_aggregated') }} as feature_days
    inner join depth_features
        on feature_days.feature_id = depth_features.feature_id
    cross join report_window
    where feature_days.activity_date between report_window.window_start_date and report_window.as_of_date

),

scoped_feature_uses as (

    select
        'account' as engagement_scope,
        account_id as scope_id,
        visitor_id,
        feature_id
    from window_feature_uses

    union all

    select distinct
        'product' as engagement_scope,
        'product' as scope_id,
        visitor_id,
        feature_id
    from window_feature_uses

),

first_activity as (

    select
        engagement_scope,
        scope_id,
        visitor_id,
        min(activity_date) as first_active_date
    from scoped_days
    group by engagement_scope, scope_id, visitor_id

),

window_activity as (

    select
        scoped_days.engagement_scope,
        scoped_days.scope_id,
        count(distinct scoped_days.visitor_id) as count_active_visitors,
        count(*) as count_visitor_days
    from scoped_days
    cross join report_window
    where scoped_days.activity_date between report_window.window_start_date and report_window.as_of_date
    group by scoped_days.engagement_scope, scoped_days.scope_id

),

weekly_blocks as (

    select distinct
        scoped_days.engagement_scope,
        scoped_days.scope_id,
        scoped_days.visitor_id,
        floor({{ pulse_days_between('scoped_days.activity_date', 'report_window.as_of_date') }} / 7.0) as block_number
    from scoped_days
    cross join report_window
    where
        scoped_days.activity_date <= report_window.as_of_date
        and {{ pulse_days_between('scoped_days.activity_date', 'report_window.as_of_date') }}
        < {{ [count_week_blocks, 1] | max * 7 }}

),

weekly_activity as (

    select
        engagement_scope,
        scope_id,
        count(*) as count_visitor_weeks
    from weekly_blocks
    group by engagement_scope, scope_id

),

visitor_windows as (

    select
        scoped_days.engagement_scope,
        scoped_days.scope_id,
        scoped_days.visitor_id,
        max(
            case
                when scoped_days.activity_date >= report_window.window_start_date then 1 else 0
            end
        ) as is_active_in_window,
        max(
            case
                when
                    scoped_days.activity_date between report_window.previous_window_start_date
                    and report_window.previous_window_end_date
                    then 1
                else 0
            end
        ) as is_active_in_previous_window
    from scoped_days
    cross join report_window
    group by scoped_days.engagement_scope, scoped_days.scope_id, scoped_days.visitor_id

),

growth as (

    select
        visitor_windows.engagement_scope,
        visitor_windows.scope_id,
        cast(
            sum(
                case
                    when
                        visitor_windows.is_active_in_window = 1
                        and first_activity.first_active_date >= report_window.window_start_date
                        then 1
                    else 0
                end
            ) as {{ pulse_type('bigint') }}
        ) as count_new_visitors,
        cast(
            sum(
                case
                    when
                        visitor_windows.is_active_in_window = 1
                        and visitor_windows.is_active_in_previous_window = 0
                        and first_activity.first_active_date < report_window.previous_window_start_date
                        then 1
                    else 0
                end
            ) as {{ pulse_type('bigint') }}
        ) as count_recovered_visitors,
        cast(
            sum(
                case
                    when visitor_windows.is_active_in_previous_window = 1 and visitor_windows.is_active_in_window = 0
                        then 1
                    else 0
                end
            ) as {{ pulse_type('bigint') }}
        ) as count_dropped_visitors
    from visitor_windows
    inner join first_activity
        on
            visitor_windows.engagement_scope = first_activity.engagement_scope
            and visitor_windows.scope_id = first_activity.scope_id
            and visitor_windows.visitor_id = first_activity.visitor_id
    cross join report_window
    group by visitor_windows.engagement_scope, visitor_windows.scope_id

),

adoption as (

    select
        engagement_scope,
        scope_id,
        count(*) as count_visitor_core_features
    from scoped_feature_uses
    group by engagement_scope, scope_id

),

depth_feature_count as (

    select count(*) as count_depth_features
    from depth_features

),

scopes as (

    select
        'account' as engagement_scope,
        account_id as scope_id,
        account_id
    from accounts

    union all

    select
        'product' as engagement_scope,
        'product' as scope_id,
        null as account_id

),

measures as (

    select
        scopes.scope_id,
        scopes.engagement_scope,
        scopes.account_id,
        report_window.as_of_date,
        coalesce(window_activity.count_active_visitors, 0) as count_active_visitors,
        coalesce(window_activity.count_visitor_days, 0) as count_visitor_days,
        coalesce(weekly_activity.count_visitor_weeks, 0) as count_visitor_weeks,
        coalesce(adoption.count_visitor_core_features, 0) as count_visitor_core_features,
        depth_feature_count.count_depth_features,
        coalesce(growth.count_new_visitors, 0) as count_new_visitors,
        coalesce(growth.count_recovered_visitors, 0) as count_recovered_visitors,
        coalesce(growth.count_dropped_visitors, 0) as count_dropped_visitors
    from scopes
    cross join report_window
    cross join depth_feature_count
    left join window_activity
        on scopes.engagement_scope = window_activity.engagement_scope and scopes.scope_id = window_activity.scope_id
    left join weekly_activity
        on scopes.engagement_scope = weekly_activity.engagement_scope and scopes.scope_id = weekly_activity.scope_id
    left join adoption
        on scopes.engagement_scope = adoption.engagement_scope and scopes.scope_id = adoption.scope_id
    left join growth
        on scopes.engagement_scope = growth.engagement_scope and scopes.scope_id = growth.scope_id

),

scores as (

    select
        *,
        {{ pulse_ratio('count_visitor_days', window_days, 4) }} as avg_daily_active_visitors,
        {{ pulse_ratio('count_visitor_weeks', [count_week_blocks, 1] | max, 4) }} as avg_weekly_active_visitors,
        {{ pulse_ratio('100.0 * count_visitor_core_features', 'count_depth_features * count_active_visitors', 2) }}
            as adoption_score,
        {{ stickiness_score }} as stickiness_score,
        '{{ stickiness_metric }}' as stickiness_metric,
        {{ pulse_ratio('count_new_visitors + count_recovered_visitors', 'count_dropped_visitors', 4) }} as growth_ratio,
        {{ pulse_ratio(
            '100.0 * (count_new_visitors + count_recovered_visitors)',
            'count_new_visitors + count_recovered_visitors + count_dropped_visitors',
            2
        ) }} as growth_score
    from measures

),

final as (

    select
        scope_id,
        engagement_scope,
        account_id,
        as_of_date,
        count_active_visitors as count_active_visitors_in_window,
        avg_daily_active_visitors,
        avg_weekly_active_visitors,
        adoption_score,
        stickiness_metric,
        stickiness_score,
        count_new_visitors,
        count_recovered_visitors,
        count_dropped_visitors,
        growth_ratio,
        growth_score,
        {{ pulse_round(
            "cast(coalesce(adoption_score, 0) + coalesce(stickiness_score, 0) + coalesce(growth_score, 0) as "
            ~ dbt.type_numeric() ~ ") / nullif("
            ~ "case when adoption_score is null then 0 else 1 end"
            ~ " + case when stickiness_score is null then 0 else 1 end"
            ~ " + case when growth_score is null then 0 else 1 end, 0)",
            2
        ) }} as pes
    from scores

)

select * from final
