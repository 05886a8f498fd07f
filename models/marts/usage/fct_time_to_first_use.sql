{#-
    One row per subject and depth feature (core features, or all when none is core), for two
    kinds of subject: an account (days from its creation to the first click by any of its
    visitors) and a visitor (days from the visitor's first active day to their first click).
    Subjects that have not used a feature yet have a null first use. The per-feature median
    over the subjects that used it sits on every row of that feature and subject type.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

visitors as (

    select * from {{ ref('dim_visitors') }}

),

depth_features as (

    select * from {{ ref('dim_features') }}
    where is_depth_feature

),

feature_days as (

    select feature_days.*
    from {{ ref('int_visitor_feature_days_aggregated') }} as feature_days
    cross join report_window
    where feature_days.activity_date <= report_window.as_of_date

),

visitor_first_activity as (

    select
        visitor_days.visitor_id,
        min(visitor_days.activity_date) as first_active_date
    from {{ ref('fct_visitor_days') }} as visitor_days
    cross join report_window
    where visitor_days.is_active and visitor_days.activity_date <= report_window.as_of_date
    group by visitor_days.visitor_id

),

account_first_use as (

    select
        account_id,
        feature_id,
        min(activity_date) as first_used_date,
        min(first_clicked_at) as first_used_at
    from feature_days
    group by account_id, feature_id

),

visitor_first_use as (

    select
        visitor_id,
        feature_id,
        min(activity_date) as first_used_date,
        min(first_clicked_at) as first_used_at
    from feature_days
    group by visitor_id, feature_id

),

subject_features as (

    select
        'account' as subject_type,
        accounts.account_id as subject_id,
        accounts.account_id,
        depth_features.feature_id,
        accounts.created_date as start_date,
        account_first_use.first_used_date,
        account_first_use.first_used_at
    from accounts
    cross join depth_features
    left join account_first_use
        on
            accounts.account_id = account_first_use.account_id
            and depth_features.feature_id = account_first_use.feature_id

    union all

    select
        'visitor' as subject_type,
        visitors.visitor_id as subject_id,
        visitors.account_id,
        depth_features.feature_id,
        visitor_first_activity.first_active_date as start_date,
        visitor_first_use.first_used_date,
        visitor_first_use.first_used_at
    from visitors
    inner join visitor_first_activity
        on visitors.visitor_id = visitor_first_activity.visitor_id
    cross join depth_features
    left join visitor_first_use
        on
            visitors.visitor_id = visitor_first_use.visitor_id
            and depth_features.feature_id = visitor_first_use.feature_id

),

with_days as (

    select
        *,
        case
            when first_used_date >= start_date then {{ pulse_days_between('start_date', 'first_used_date') }}
            when first_used_date is not null and start_date is not null then 0
        end as days_to_first_use
    from subject_features

),

medians as (

    select
        subject_type,
        feature_id,
        {{ pulse_percentile('days_to_first_use', 0.5) }} as median_days_to_first_use,
        count(days_to_first_use) as count_subjects_using
    from with_days
    group by subject_type, feature_id

),

final as (

    select
        with_days.subject_type,
        with_days.subject_id,
        with_days.account_id,
        with_days.feature_id,
        with_days.start_date,
        with_days.first_used_date,
        with_days.first_used_at,
        with_days.days_to_first_use,
        with_days.first_used_date is not null as has_used,
        medians.median_days_to_first_use,
        medians.count_subjects_using
    from with_days
    inner join medians
        on
            with_days.subject_type = medians.subject_type
            and with_days.feature_id = medians.feature_id

)

select * from final
