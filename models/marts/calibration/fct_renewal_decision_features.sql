{#-
    Per-feature usage of each renewal decision's account at its cut-off (calibration_lead_days,
    90, before the decision; README "Calibration"): for every feature of dim_features, the
    clicks of the account's visitors in the window_days (30) days ending on the cut-off, the
    clicks per active visitor of the account in that window (0 when nobody was active) and
    whether anyone used it. Only days on or before the cut-off are read. One row per decision
    of fct_renewal_decisions and feature; `pulse calibrate` turns the features into columns.
-#}
with

decisions as (

    select
        account_id,
        renewal_date,
        cutoff_date,
        {{ pulse_add_days('cutoff_date', 1 - pulse_window_days()) }} as window_start_date
    from {{ ref('fct_renewal_decisions') }}

),

features as (

    select * from {{ ref('dim_features') }}

),

usage_daily as (

    select * from {{ ref('fct_account_usage_daily') }}

),

feature_days as (

    select * from {{ ref('int_visitor_feature_days_aggregated') }}

),

clicks as (

    select
        decisions.account_id,
        decisions.renewal_date,
        feature_days.feature_id,
        sum(feature_days.count_clicks) as count_clicks
    from decisions
    inner join feature_days
        on
            decisions.account_id = feature_days.account_id
            and feature_days.activity_date between decisions.window_start_date and decisions.cutoff_date
    group by decisions.account_id, decisions.renewal_date, feature_days.feature_id

),

final as (

    select
        decisions.account_id,
        decisions.renewal_date,
        features.feature_id,
        features.feature_name,
        cast(coalesce(clicks.count_clicks, 0) as {{ pulse_type('bigint') }}) as count_clicks_in_window,
        cast(coalesce(usage_daily.count_active_visitors_in_window, 0) as {{ pulse_type('bigint') }})
            as count_active_visitors_in_window,
        coalesce(
            {{ pulse_ratio('coalesce(clicks.count_clicks, 0)', 'usage_daily.count_active_visitors_in_window') }}, 0
        ) as clicks_per_active_visitor,
        coalesce(clicks.count_clicks, 0) > 0 as is_used
    from decisions
    cross join features
    left join usage_daily
        on
            decisions.account_id = usage_daily.account_id
            and decisions.cutoff_date = usage_daily.metric_date
    left join clicks
        on
            decisions.account_id = clicks.account_id
            and decisions.renewal_date = clicks.renewal_date
            and features.feature_id = clicks.feature_id

)

select * from final
