{#- The seats an account's per-seat metrics divide by (README "Definitions"): seats_purchased,
    or the account's known visitors when it is missing or 0. `accounts` names a relation or
    alias with the columns of dim_accounts. -#}
{% macro pulse_effective_seats(accounts='accounts') -%}
    coalesce(nullif({{ accounts }}.seats_purchased, 0), {{ accounts }}.count_known_visitors)
{%- endmacro %}
