{#-
    Peer benchmarks per account and feature (README "Definitions": Benchmarks) over the window_days days
    ending on as_of_date: one row per pair of fct_account_feature_usage. The peer group is the
    dim_accounts column named by var benchmark_peer_group (default plan_tier; a missing value is
    its own group 'unknown'). clicks_per_active_visitor = the account's clicks on the feature /
    its active visitors (0 without either); percentile_rank = percent_rank() x 100 of that value
    among the peer group's accounts for the feature (ties share a rank; a group of one -> 0).
-#}
{%- set peer_group_column = var('benchmark_peer_group') | string | trim | lower -%}
{%- if not modules.re.fullmatch('[a-z_][a-z0-9_]*', peer_group_column) -%}
    {{ exceptions.raise_compiler_error(
        "Customer Pulse: var benchmark_peer_group must name a dim_accounts column (e.g. plan_tier), got '"
        ~ var('benchmark_peer_group') ~ "'") }}
{%- endif -%}
{%- set top_min_percentile_rank = var('benchmark_top_min_percentile_rank', 90) -%}

with

accounts as (

    select * from {{ ref('dim_accounts') }}

),

account_feature_usage as (

    select * from {{ ref('fct_account_feature_usage') }}

),

account_usage as (

    select * from {{ ref('fct_account_usage') }}

),

account_features as (

    select
        account_feature_usage.account_id,
        account_feature_usage.feature_id,
        account_feature_usage.as_of_date,
        coalesce(cast(accounts.{{ peer_group_column }} as {{ dbt.type_string() }}), 'unknown') as peer_group,
        account_feature_usage.count_clicks_in_window,
        account_feature_usage.count_visitors_in_window,
        coalesce(account_usage.count_active_visitors_in_window, 0) as count_active_visitors_in_window,
        account_feature_usage.is_used_in_window
    from account_feature_usage
    inner join accounts
        on account_feature_usage.account_id = accounts.account_id
    left join account_usage
        on account_feature_usage.account_id = account_usage.account_id

),

ratios as (

    select
        *,
        coalesce(
            {{ pulse_ratio('count_clicks_in_window', 'count_active_visitors_in_window') }}, 0
        ) as clicks_per_active_visitor
    from account_features

),

ranked as (

    select
        *,
        {{ pulse_round(
            'cast(100 * percent_rank() over (partition by peer_group, feature_id order by clicks_per_active_visitor) as '
            ~ dbt.type_numeric() ~ ')',
            2
        ) }} as percentile_rank,
        count(*) over (partition by peer_group, feature_id) as count_accounts_in_peer_group
    from ratios

),

final as (

    select
        account_id,
        feature_id,
        '{{ peer_group_column }}' as peer_group_dimension,
        peer_group,
        as_of_date,
        count_clicks_in_window,
        count_visitors_in_window,
        count_active_visitors_in_window,
        is_used_in_window,
        clicks_per_active_visitor,
        count_accounts_in_peer_group,
        percentile_rank,
        percentile_rank >= {{ top_min_percentile_rank }} and count_clicks_in_window > 0 as is_top_10_pct
    from ranked

)

select * from final
