{#-
    The periods in which an account is mature (README "Definitions": Customer milestones),
    from the feature clicks up to as_of_date (local days). A click on day u keeps its feature
    "used in the last maturity_lookback_days (90) days" on days u .. u + 89; a category is
    mature on a day with >= maturity_mature_min_features (3) such features, the account with
    >= mature_min_categories (3) mature categories. Counted as step functions over the days
    on which a feature's coverage starts or ends (no day spine), so the cost follows the
    clicks, not accounts x days. The last period may end after as_of_date (the clicks so far
    keep the account mature until then). fct_account_milestones takes the period holding
    as_of_date: its mature_from_date is the day the account reached the mature stage.
    Grain: account_id, mature_from_date.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

feature_categories as (

    select * from {{ ref('feature_categories') }}

),

feature_uses as (

    select distinct
        feature_days.account_id,
        feature_categories.category,
        feature_days.feature_id,
        feature_days.activity_date
    from {{ ref('int_visitor_feature_days_aggregated') }} as feature_days
    inner join feature_categories
        on feature_days.feature_id = feature_categories.feature_id
    cross join report_window
    where feature_days.activity_date <= report_window.as_of_date

),

-- a use starts a new stretch of coverage when the previous use's coverage ended before it
stretch_starts as (

    select
        *,
        case
            when
                lag(activity_date) over (
                    partition by account_id, category, feature_id order by activity_date
                ) >= {{ pulse_add_days('activity_date', -var('maturity_lookback_days')) }}
                then 0
            else 1
        end as is_stretch_start
    from feature_uses

),

stretch_numbers as (

    select
        *,
        sum(is_stretch_start) over (
            partition by account_id, category, feature_id
            order by activity_date
            rows between unbounded preceding and current row
        ) as stretch_number
    from stretch_starts

),

feature_stretches as (

    select
        account_id,
        category,
        feature_id,
        min(activity_date) as covered_from_date,
        {{ pulse_add_days('max(activity_date)', var('maturity_lookback_days')) }} as uncovered_from_date
    from stretch_numbers
    group by account_id, category, feature_id, stretch_number

),

category_steps as (

    select
        account_id,
        category,
        change_date,
        sum(feature_delta) as feature_delta
    from (
        select
            account_id,
            category,
            covered_from_date as change_date,
            1 as feature_delta
        from feature_stretches
        union all
        select
            account_id,
            category,
            uncovered_from_date as change_date,
            -1 as feature_delta
        from feature_stretches
    ) as changes
    group by account_id, category, change_date

),

category_counts as (

    select
        account_id,
        category,
        change_date,
        sum(feature_delta) over (
            partition by account_id, category
            order by change_date
            rows between unbounded preceding and current row
        ) as count_features_used
    from category_steps

),

category_maturity_changes as (

    select
        account_id,
        category,
        change_date,
        count_features_used >= {{ var('maturity_mature_min_features') }} as is_mature,
        coalesce(
            lag(count_features_used) over (partition by account_id, category order by change_date), 0
        ) >= {{ var('maturity_mature_min_features') }} as was_mature
    from category_counts

),

account_steps as (

    select
        account_id,
        change_date,
        sum(case when is_mature then 1 else -1 end) as category_delta
    from category_maturity_changes
    where is_mature != was_mature
    group by account_id, change_date

),

account_counts as (

    select
        account_id,
        change_date,
        sum(category_delta) over (
            partition by account_id
            order by change_date
            rows between unbounded preceding and current row
        ) as count_mature_categories
    from account_steps

),

account_changes as (

    select
        account_id,
        change_date,
        count_mature_categories >= {{ var('mature_min_categories') }} as is_mature,
        coalesce(
            lag(count_mature_categories) over (partition by account_id order by change_date), 0
        ) >= {{ var('mature_min_categories') }} as was_mature
    from account_counts

),

transitions as (

    select
        account_id,
        change_date,
        is_mature,
        lead(change_date) over (partition by account_id order by change_date) as next_change_date
    from account_changes
    where is_mature != was_mature

),

final as (

    select
        account_id,
        change_date as mature_from_date,
        {{ pulse_add_days('next_change_date', -1) }} as mature_to_date
    from transitions
    where is_mature

)

select * from final
