{#- The NPS category of a 0-10 score (README "Definitions": NPS): promoter >=
    nps_promoter_min_score (9), passive >= nps_passive_min_score (7), else detractor. -#}
{% macro pulse_nps_category(score) -%}
    case
        when {{ score }} >= {{ var('nps_promoter_min_score') }} then 'promoter'
        when {{ score }} >= {{ var('nps_passive_min_score') }} then 'passive'
        else 'detractor'
    end
{%- endmacro %}
