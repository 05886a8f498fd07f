{#-
    Low-usage promoters (enablement targets): visitors whose latest NPS response (fct_nps) makes
    them promoters while their usage is low (active days in the window below
    nps_high_usage_min_active_days), in accounts that have not churned. They like the product
    and use little of it: show them more. Ranked by score, then fewest active days.
    Grain: visitor_id.
-#}
with

accounts as (

    select * from {{ ref('dim_accounts') }}

),

nps as (

    select * from {{ ref('fct_nps') }}
    where nps_usage_quadrant = 'low_usage_promoter'

),

visitor_usage as (

    select * from {{ ref('fct_visitor_usage') }}

),

final as (

    select
        nps.visitor_id,
        nps.account_id,
        accounts.account_name,
        accounts.csm_owner,
        nps.role,
        nps.as_of_date,
        nps.score as nps_score,
        nps.comment as nps_comment,
        nps.responded_at,
        nps.count_active_days_in_window,
        visitor_usage.count_depth_features_used_in_window,
        visitor_usage.last_active_date,
        cast(row_number() over (
            order by nps.score desc, nps.count_active_days_in_window asc, nps.visitor_id asc
        ) as {{ pulse_type('bigint') }}) as enablement_rank
    from nps
    inner join accounts
        on nps.account_id = accounts.account_id
    left join visitor_usage
        on nps.visitor_id = visitor_usage.visitor_id
    where not accounts.is_churned

)

select * from final
