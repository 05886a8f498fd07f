{#- The value events (README "Definitions": Customer milestones): the activity rows whose event
    type and name are a row of the seed value_events. The join of the rows `events` (an alias
    in the FROM clause) to the seed, written once for activation (fct_account_milestones),
    utilization (int_account_utilization_monthly) and the decisions pulse calibrate learns from
    (fct_renewal_decisions). -#}
{% macro pulse_value_events_join(events) -%}
    inner join {{ ref('value_events') }} as value_events
        on
            {{ events }}.event_type = value_events.event_type
            and {{ events }}.event_name = value_events.event_name
{%- endmacro %}
