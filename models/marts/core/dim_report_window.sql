{#- One row: the as-of date every "current" metric describes and the windows around it. -#}
{#- warns (never fails) when as_of_date lies outside the activity days of the data -#}
{{ config(post_hook="{{ pulse_warn_as_of_date_outside_data() }}") }}

with

active_days as (

    select activity_date
    from {{ ref('fct_visitor_days') }}
    where is_active

),

bounds as (

    select
        min(activity_date) as first_activity_date,
        max(activity_date) as last_activity_date
    from active_days

),

as_of as (

    select
        first_activity_date,
        last_activity_date,
        {{ pulse_as_of_date_literal() or 'last_activity_date' }} as as_of_date
    from bounds

),

final as (

    select
        as_of_date,
        {{ pulse_add_days('as_of_date', 1 - pulse_window_days()) }} as window_start_date,
        {{ pulse_add_days('as_of_date', 1 - 2 * pulse_window_days()) }} as previous_window_start_date,
        {{ pulse_add_days('as_of_date', -pulse_window_days()) }} as previous_window_end_date,
        {{ pulse_month_start(pulse_add_days(pulse_month_start('as_of_date'), -1)) }} as last_complete_month_start_date,
        {{ pulse_add_days(pulse_month_start('as_of_date'), -1) }} as last_complete_month_end_date,
        cast({{ pulse_window_days() }} as {{ pulse_type('bigint') }}) as window_days,
        '{{ var("timezone") }}' as timezone,
        first_activity_date,
        last_activity_date
    from as_of

)

select * from final
