{#-
    The days the health history is scored on: from 30 days before the first activity day (the
    health history's 30-day change reaches that far back) to as_of_date. The health inputs
    (int_account_*_daily) are computed on these days. Grain: date_day.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

final as (

    {{ pulse_date_spine(
        'report_window',
        pulse_add_days('report_window.first_activity_date', -30),
        'report_window.as_of_date',
    ) }}

)

select * from final
