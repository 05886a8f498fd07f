{#-
    The journey stage (README "Definitions": Customer milestones): the highest stage reached,
    each only when the previous one is. Reads the columns is_setup_complete, is_activated,
    is_utilizing and is_mature of the current row; fct_account_milestones (as of as_of_date)
    and fct_renewal_decisions (as of each decision's cut-off) both use it.
-#}
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
