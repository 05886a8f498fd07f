{#-
    Lifecycle segment flags (README "Definitions": Segments) on a usage relation with the columns
    count_active_days_in_window, active_minutes_in_window and first_active_date, and a
    report window relation (window_start_date, as_of_date). Shared by visitor and account
    segments so both follow the same definitions and vars.
-#}
{% macro pulse_lifecycle_segment_flags(usage, report_window) -%}
    {{ usage }}.first_active_date is null as is_never_active,
    {{ usage }}.count_active_days_in_window <= {{ var('churn_risk_max_active_days') }}
    and {{ usage }}.active_minutes_in_window <= {{ var('churn_risk_max_active_minutes') }} as is_churn_risk,
    {{ usage }}.count_active_days_in_window >= {{ var('healthy_min_active_days') }} as is_healthy,
    {{ usage }}.count_active_days_in_window = 0 and {{ usage }}.first_active_date is not null as is_inactive,
    coalesce({{ usage }}.first_active_date >= {{ report_window }}.window_start_date, false) as is_new,
    coalesce(
        {{ pulse_days_between(usage ~ '.first_active_date', report_window ~ '.as_of_date') }}
        between {{ var('onboarding_min_days') }} and {{ var('onboarding_max_days') }},
        false
    ) as is_onboarding_cohort
{%- endmacro %}


{#- The readable primary segment: the first lifecycle flag that applies, in this order. -#}
{% macro pulse_primary_segment() -%}
    case
        when is_never_active then 'never_active'
        when is_inactive then 'inactive'
        when is_new then 'new'
        when is_churn_risk then 'churn_risk'
        when is_healthy then 'healthy'
        when is_onboarding_cohort then 'onboarding'
        else 'active'
    end
{%- endmacro %}


{#- Text values of a group joined with `delimiter` in the order of `order_column` (an
    aggregate). dbt.listagg ignores the order on Spark, so there the values are sorted as
    (order, value) pairs first. -#}
{% macro pulse_ordered_listagg(value_column, delimiter_literal, order_column) -%}
    {{ return(adapter.dispatch('pulse_ordered_listagg', 'customer_pulse')(value_column, delimiter_literal, order_column)) }}
{%- endmacro %}

{% macro default__pulse_ordered_listagg(value_column, delimiter_literal, order_column) -%}
    {{ dbt.listagg(value_column, delimiter_literal, 'order by ' ~ order_column) }}
{%- endmacro %}

{% macro spark__pulse_ordered_listagg(value_column, delimiter_literal, order_column) -%}
    array_join(
        transform(
            array_sort(collect_list(named_struct('k', {{ order_column }}, 'v', {{ value_column }}))),
            pair -> pair.v
        ),
        {{ delimiter_literal }}
    )
{%- endmacro %}


{#- The frequency band of a count of active days in the window (README "Definitions"):
    daily >= frequency_band_daily_min_days, weekly >= frequency_band_weekly_min_days,
    monthly >= 1, else inactive. Visitor and account usage both use it. -#}
{% macro pulse_frequency_band(active_days) -%}
    case
        when {{ active_days }} >= {{ var('frequency_band_daily_min_days') }} then 'daily'
        when {{ active_days }} >= {{ var('frequency_band_weekly_min_days') }} then 'weekly'
        when {{ active_days }} >= 1 then 'monthly'
        else 'inactive'
    end
{%- endmacro %}
