{#-
    NPS (README "Definitions": NPS) as of as_of_date: one row per account of dim_accounts (nps_scope
    'account') and one row for the whole product (scope_id and nps_scope 'overall', account_id
    null), over the visitors' latest responses in fct_nps. NPS = % promoters - % detractors
    (-100..100), null when there are no responses.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

visitor_nps as (

    select * from {{ ref('fct_nps') }}
    where has_response

),

scoped_responses as (

    select
        'account' as nps_scope,
        account_id as scope_id,
        nps_category
    from visitor_nps

    union all

    select
        'overall' as nps_scope,
        'overall' as scope_id,
        nps_category
    from visitor_nps

),

scope_counts as (

    select
        nps_scope,
        scope_id,
        count(*) as count_responses,
        count(case when nps_category = 'promoter' then 1 end) as count_promoters,
        count(case when nps_category = 'passive' then 1 end) as count_passives,
        count(case when nps_category = 'detractor' then 1 end) as count_detractors
    from scoped_responses
    group by nps_scope, scope_id

),

scopes as (

    select
        'account' as nps_scope,
        account_id as scope_id,
        account_id
    from accounts

    union all

    select
        'overall' as nps_scope,
        'overall' as scope_id,
        null as account_id

),

measures as (

    select
        scopes.scope_id,
        scopes.nps_scope,
        scopes.account_id,
        report_window.as_of_date,
        coalesce(scope_counts.count_responses, 0) as count_responses,
        coalesce(scope_counts.count_promoters, 0) as count_promoters,
        coalesce(scope_counts.count_passives, 0) as count_passives,
        coalesce(scope_counts.count_detractors, 0) as count_detractors
    from scopes
    cross join report_window
    left join scope_counts
        on scopes.nps_scope = scope_counts.nps_scope and scopes.scope_id = scope_counts.scope_id

),

final as (

    select
        *,
        {{ pulse_ratio('100.0 * count_promoters', 'count_responses', 2) }} as pct_promoters,
        {{ pulse_ratio('100.0 * count_passives', 'count_responses', 2) }} as pct_passives,
        {{ pulse_ratio('100.0 * count_detractors', 'count_responses', 2) }} as pct_detractors,
        {{ pulse_ratio('100.0 * (count_promoters - count_detractors)', 'count_responses', 2) }} as nps
    from measures

)

select * from final
