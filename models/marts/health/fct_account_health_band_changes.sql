{#-
    Health band transitions per account, from the daily history: one row per day on which an
    account's band differs from its band on its previous scored day (entered / left at_risk,
    and every other move), with the band it left, since when it had that band and for how
    many days. Days without a score (no component with data) are skipped: a change across
    them is dated on the first scored day after. The first scored day of an account is its
    start, not a change.
-#}
with

health_days as (

    select
        account_id,
        metric_date,
        health_score,
        health_band
    from {{ ref('fct_account_health_daily') }}
    where health_band is not null

),

sequenced as (

    select
        account_id,
        metric_date,
        health_score,
        health_band,
        lag(health_band) over (partition by account_id order by metric_date) as previous_band,
        lag(health_score) over (partition by account_id order by metric_date) as previous_health_score
    from health_days

),

band_starts as (

    -- the first scored day of each account and every day its band changed
    select
        account_id,
        metric_date,
        health_score,
        health_band,
        previous_band,
        previous_health_score,
        lag(metric_date) over (partition by account_id order by metric_date) as previous_band_start_date
    from sequenced
    where previous_band is null or previous_band != health_band

),

final as (

    select
        account_id,
        metric_date as changed_date,
        previous_band,
        health_band,
        previous_band_start_date,
        cast({{ pulse_days_between('previous_band_start_date', 'metric_date') }} as {{ pulse_type('bigint') }})
            as days_in_previous_band,
        cast(previous_health_score as {{ pulse_type('double') }}) as previous_health_score,
        cast(health_score as {{ pulse_type('double') }}) as health_score,
        {{ pulse_health_band_rank('health_band') }} > {{ pulse_health_band_rank('previous_band') }}
            as is_improvement,
        health_band = 'at_risk' as is_entering_at_risk,
        previous_band = 'at_risk' as is_leaving_at_risk
    from band_starts
    where previous_band is not null

)

select * from final
