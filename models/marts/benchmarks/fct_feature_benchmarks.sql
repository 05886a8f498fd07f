{#-
    Peer benchmarks per feature (README "Definitions": Benchmarks) over the window_days days ending on
    as_of_date: one row per feature and peer group (the dim_accounts column named by var
    benchmark_peer_group). Share of the group's accounts that used the feature; median / p75 /
    p90 of clicks per active visitor over the accounts that used it; and the top role: the role
    with the most clicks on the feature per active visitor of that role in the group (clicks by
    the group's visitors of the role / the group's active visitors of the role; ties ->
    alphabetical; visitors without a role are left out).
-#}
with

account_benchmarks as (

    select * from {{ ref('fct_account_feature_benchmarks') }}

),

visitor_feature_usage as (

    select * from {{ ref('fct_visitor_feature_usage') }}

),

visitor_usage as (

    select * from {{ ref('fct_visitor_usage') }}

),

account_peer_groups as (

    select distinct
        account_id,
        peer_group
    from account_benchmarks

),

feature_groups as (

    select
        feature_id,
        peer_group,
        max(peer_group_dimension) as peer_group_dimension,
        max(as_of_date) as as_of_date,
        count(distinct account_id) as count_accounts_in_peer_group,
        count(distinct case when is_used_in_window then account_id end) as count_accounts_using,
        cast(sum(count_clicks_in_window) as {{ pulse_type('bigint') }}) as count_clicks_in_window
    from account_benchmarks
    group by feature_id, peer_group

),

user_distribution as (

    select
        feature_id,
        peer_group,
        {{ pulse_round(
            'cast(' ~ pulse_percentile('clicks_per_active_visitor', 0.5) ~ ' as ' ~ dbt.type_numeric() ~ ')', 4
        ) }} as median_clicks_per_active_visitor,
        {{ pulse_round(
            'cast(' ~ pulse_percentile('clicks_per_active_visitor', 0.75) ~ ' as ' ~ dbt.type_numeric() ~ ')', 4
        ) }} as p75_clicks_per_active_visitor,
        {{ pulse_round(
            'cast(' ~ pulse_percentile('clicks_per_active_visitor', 0.9) ~ ' as ' ~ dbt.type_numeric() ~ ')', 4
        ) }} as p90_clicks_per_active_visitor
    from account_benchmarks
    where is_used_in_window and count_active_visitors_in_window > 0
    group by feature_id, peer_group

),

role_active_visitors as (

    select
        account_peer_groups.peer_group,
        visitor_usage.role,
        count(*) as count_active_visitors
    from visitor_usage
    inner join account_peer_groups
        on visitor_usage.account_id = account_peer_groups.account_id
    where visitor_usage.count_active_days_in_window > 0 and visitor_usage.role is not null
    group by account_peer_groups.peer_group, visitor_usage.role

),

role_clicks as (

    select
        visitor_feature_usage.feature_id,
        account_peer_groups.peer_group,
        visitor_feature_usage.role,
        sum(visitor_feature_usage.count_clicks_in_window) as count_clicks
    from visitor_feature_usage
    inner join account_peer_groups
        on visitor_feature_usage.account_id = account_peer_groups.account_id
    where visitor_feature_usage.count_clicks_in_window > 0 and visitor_feature_usage.role is not null
    group by visitor_feature_usage.feature_id, account_peer_groups.peer_group, visitor_feature_usage.role

),

role_ratios as (

    select
        role_clicks.feature_id,
        role_clicks.peer_group,
        role_clicks.role,
        {{ pulse_ratio('role_clicks.count_clicks', 'role_active_visitors.count_active_visitors') }}
            as clicks_per_active_visitor
    from role_clicks
    inner join role_active_visitors
        on
            role_clicks.peer_group = role_active_visitors.peer_group
            and role_clicks.role = role_active_visitors.role

),

ranked_roles as (

    select
        *,
        row_number() over (
            partition by feature_id, peer_group
            order by clicks_per_active_visitor desc, role asc
        ) as role_rank
    from role_ratios

),

top_roles as (

    select
        feature_id,
        peer_group,
        role as top_role,
        clicks_per_active_visitor as top_role_clicks_per_active_visitor
    from ranked_roles
    where role_rank = 1

),

final as (

    select
        feature_groups.feature_id,
        feature_groups.peer_group,
        feature_groups.peer_group_dimension,
        feature_groups.as_of_date,
        feature_groups.count_accounts_in_peer_group,
        feature_groups.count_accounts_using,
        {{ pulse_ratio('feature_groups.count_accounts_using', 'feature_groups.count_accounts_in_peer_group') }}
            as share_of_accounts_using,
        feature_groups.count_clicks_in_window,
        user_distribution.median_clicks_per_active_visitor,
        user_distribution.p75_clicks_per_active_visitor,
        user_distribution.p90_clicks_per_active_visitor,
        top_roles.top_role,
        top_roles.top_role_clicks_per_active_visitor
    from feature_groups
    left join user_distribution
        on
            feature_groups.feature_id = user_distribution.feature_id
            and feature_groups.peer_group = user_distribution.peer_group
    left join top_roles
        on
            feature_groups.feature_id = top_roles.feature_id
            and feature_groups.peer_group = top_roles.peer_group

)

select * from final
