{#-
    Usage change per account as of as_of_date: active visitor-days in the window against the
    previous window (the window_days days before it), both read from the daily history
    (fct_account_usage_daily on as_of_date and on previous_window_end_date). One row per
    account of dim_accounts; 0 visitor-days when the history has no row that day; the change
    is null when the previous window had none.
-#}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

usage_days as (

    select * from {{ ref('fct_account_usage_daily') }}

),

final as (

    select
        accounts.account_id,
        report_window.as_of_date,
        cast(coalesce(current_window.count_visitor_days_in_window, 0) as {{ pulse_type('bigint') }})
            as count_visitor_days_in_window,
        cast(coalesce(previous_window.count_visitor_days_in_window, 0) as {{ pulse_type('bigint') }})
            as count_visitor_days_previous_window,
        cast(
            case
                when coalesce(previous_window.count_visitor_days_in_window, 0) > 0
                    then
                        {{ pulse_divide(
                            '(coalesce(current_window.count_visitor_days_in_window, 0)'
                            ~ ' - previous_window.count_visitor_days_in_window) * 1.0',
                            'previous_window.count_visitor_days_in_window'
                        ) }}
            end as {{ pulse_type('double') }}
        ) as visitor_days_change_pct
    from accounts
    cross join report_window
    left join usage_days as current_window
        on
            accounts.account_id = current_window.account_id
            and report_window.as_of_date = current_window.metric_date
    left join usage_days as previous_window
        on
            accounts.account_id = previous_window.account_id
            and report_window.previous_window_end_date = previous_window.metric_date

)

select * from final
