{#-
    The MetricFlow time spine: one row per calendar day from var plausible_min_date (no valid
    date in the data is earlier) to the later of as_of_date and the last activity day.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

bounds as (

    select
        cast('{{ var("plausible_min_date") }}' as date) as start_date,
        case
            when report_window.last_activity_date > report_window.as_of_date
                then report_window.last_activity_date
            else report_window.as_of_date
        end as end_date
    from report_window

),

spine as (

    {{ pulse_date_spine('bounds', 'start_date', 'end_date') }}

),

final as (

    select date_day
    from spine

)

select * from final
