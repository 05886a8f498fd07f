{#-
    Power users (advocates, beta testers): visitors in the daily frequency band who used at
    least power_user_min_depth_features (3) core (depth) features in the window, in accounts
    that have not churned; most active first. Grain: visitor_id.
-#}
with

accounts as (

    select * from {{ ref('dim_accounts') }}

),

visitor_usage as (

    select * from {{ ref('fct_visitor_usage') }}

),

final as (

    select
        visitor_usage.visitor_id,
        visitor_usage.account_id,
        accounts.account_name,
        accounts.csm_owner,
        visitor_usage.role,
        visitor_usage.as_of_date,
        visitor_usage.count_active_days_in_window,
        visitor_usage.count_depth_features_used_in_window,
        visitor_usage.active_minutes_in_window,
        cast(row_number() over (
            order by
                visitor_usage.count_active_days_in_window desc,
                visitor_usage.count_depth_features_used_in_window desc,
                visitor_usage.visitor_id asc
        ) as {{ pulse_type('bigint') }}) as power_user_rank
    from visitor_usage
    inner join accounts
        on visitor_usage.account_id = accounts.account_id
    where
        visitor_usage.frequency_band = 'daily'
        and visitor_usage.count_depth_features_used_in_window >= {{ var('power_user_min_depth_features') }}
        and not accounts.is_churned

)

select * from final
