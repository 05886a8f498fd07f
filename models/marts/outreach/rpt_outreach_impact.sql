{#-
    Did outreach help? The entries into at_risk (fct_outreach_impact) split by whether a CSM
    activity followed within outreach_follow_up_days (14) days: how many, and of those whose
    outcome day (outreach_impact_days, 30, later) is known, the mean change of the health score
    and the share no longer at_risk. A comparison, not a causal estimate: accounts a CSM calls
    may differ from the others.
    Grain: is_followed_up.
-#}
with

entries as (

    select * from {{ ref('fct_outreach_impact') }}

),

final as (

    select
        is_followed_up,
        cast(count(*) as {{ pulse_type('bigint') }}) as count_entries,
        cast(sum(case when is_outcome_known then 1 else 0 end) as {{ pulse_type('bigint') }})
            as count_entries_with_outcome,
        {{ pulse_round('avg(case when is_outcome_known then health_score_change end)', 2) }}
            as mean_health_score_change,
        {{ pulse_round(
            'avg(case when is_outcome_known and is_recovered is not null'
            ~ ' then case when is_recovered then 1.0 else 0.0 end end)', 4) }} as share_recovered
    from entries
    group by is_followed_up

)

select * from final
