{#-
    The journey stage (README "Definitions": Customer milestones): the highest stage reached,
    each only when the previous one is. Reads the columns is_setup_complete, is_activated,
    is_utilizing and is_mature of the current row; fct_account_milestones (as of as_of_date)
    and fct_renewal_decisions (as of each decision's cut-off) both use it.
-#}
{#- The journey stages in order (README "Definitions": Customer milestones). -#}
{% macro pulse_journey_stages() -%}
    {{ return(['not_set_up', 'set_up', 'activated', 'utilizing', 'mature']) }}
{%- endmacro %}


{#- One row per journey stage: stage_order (1 for not_set_up), journey_stage. -#}
{% macro pulse_journey_stages_select() -%}
    {%- for journey_stage in pulse_journey_stages() %}
    select
        {{ loop.index }} as stage_order,
        '{{ journey_stage }}' as journey_stage
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- The position of a journey stage in pulse_journey_stages(), 1 for not_set_up. -#}
{% macro pulse_journey_stage_order(stage) -%}
    case {{ stage }}
        {%- for journey_stage in pulse_journey_stages() %}
        when '{{ journey_stage }}' then {{ loop.index }}
        {%- endfor %}
    end
{%- endmacro %}


{% macro pulse_journey_stage() -%}
    case
        when not is_setup_complete then 'not_set_up'
        when not is_activated then 'set_up'
        when not is_utilizing then 'activated'
        when not is_mature then 'utilizing'
        else 'mature'
    end
{%- endmacro %}


{#- Utilization (README "Definitions": Customer milestones): value events of a calendar month
    per seat >= utilization_min_value_events_per_seat (4); false without seats. -#}
{% macro pulse_is_utilizing(count_value_events, seats) -%}
    coalesce(
        cast({{ count_value_events }} as {{ dbt.type_numeric() }}) / nullif({{ seats }}, 0)
        >= {{ var('utilization_min_value_events_per_seat') }},
        false
    )
{%- endmacro %}
