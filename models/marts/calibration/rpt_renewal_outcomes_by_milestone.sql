{#-
    How milestones relate to retention (README "Calibration"): of the trainable renewal
    decisions of fct_renewal_decisions, how many were lost (churned or contracted) by the
    account's milestones at the cut-off, three ways:
    - journey_stage: per journey stage (not_set_up ... mature);
    - activation: activated or not;
    - setup_and_activation: set up and activated, set up only, activated without complete
      setup, neither (does completing setup go with activation, and activation with renewal?).
    Grain: breakdown, breakdown_value.
-#}
with

decisions as (

    select * from {{ ref('fct_renewal_decisions') }}
    where is_trainable

),

grouped as (

    select
        'journey_stage' as breakdown,
        journey_stage as breakdown_value,
        {{ pulse_journey_stage_order('journey_stage') }} as breakdown_order,
        is_lost
    from decisions

    union all

    select
        'activation' as breakdown,
        case when is_activated then 'activated' else 'not_activated' end as breakdown_value,
        case when is_activated then 1 else 2 end as breakdown_order,
        is_lost
    from decisions

    union all

    select
        'setup_and_activation' as breakdown,
        case
            when is_setup_complete and is_activated then 'set_up_and_activated'
            when is_setup_complete then 'set_up_not_activated'
            when is_activated then 'activated_not_set_up'
            else 'neither'
        end as breakdown_value,
        case
            when is_setup_complete and is_activated then 1
            when is_setup_complete then 2
            when is_activated then 3
            else 4
        end as breakdown_order,
        is_lost
    from decisions

),

final as (

    select
        breakdown,
        breakdown_value,
        cast(breakdown_order as {{ pulse_type('bigint') }}) as breakdown_order,
        cast(count(*) as {{ pulse_type('bigint') }}) as count_decisions,
        cast(sum(case when is_lost then 1 else 0 end) as {{ pulse_type('bigint') }}) as count_lost,
        {{ pulse_ratio('sum(case when is_lost then 1 else 0 end)', 'count(*)') }} as loss_rate
    from grouped
    group by breakdown, breakdown_value, breakdown_order

)

select * from final
