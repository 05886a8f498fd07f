{#- The seats an account's per-seat metrics divide by (README "Definitions"): seats_purchased,
    or the account's known visitors when it is missing or 0. `accounts` names a relation or
    alias with the columns of dim_accounts. -#}
{% macro pulse_effective_seats(accounts='accounts') -%}
    coalesce(nullif({{ accounts }}.seats_purchased, 0), {{ accounts }}.count_known_visitors)
{%- endmacro %}


{#- Breadth (README "Definitions"): active visitors per seat, capped at 1 (more active visitors
    than seats is full breadth). Null when there are no seats to divide by. -#}
{% macro pulse_breadth_pct(active_visitors, seats) -%}
    {%- set breadth = pulse_ratio(active_visitors, seats) -%}
    case when {{ breadth }} > 1 then 1 else {{ breadth }} end
{%- endmacro %}
