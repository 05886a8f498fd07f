{#-
    Health input `interaction_sentiment`: the mean sentiment of the account's CSM activities
    (positive +1, neutral 0, negative -1; activities without a sentiment do not count) in the
    interaction_sentiment_days days ending on each day. One row per account and day of
    int_health_days with at least one rated activity in that span; no row (the component is
    null) when there is none.
-#}
with

spine as (

    select * from {{ ref('int_health_days') }}

),

rated_activities as (

    select
        account_id,
        cast({{ pulse_local_timestamp('occurred_at') }} as date) as activity_date,
        case sentiment when 'positive' then 1 when 'neutral' then 0 when 'negative' then -1 end as sentiment_value
    from {{ ref('int_crm_activities') }}
    where account_id is not null and sentiment in ('positive', 'neutral', 'negative')

),

final as (

    select
        rated_activities.account_id,
        spine.date_day as metric_date,
        count(*) as count_rated_activities,
        cast(sum(case when rated_activities.sentiment_value < 0 then 1 else 0 end) as {{ pulse_type('bigint') }})
            as count_negative_activities,
        {{ pulse_round('avg(cast(rated_activities.sentiment_value as ' ~ pulse_type('double') ~ '))', 4) }}
            as interaction_sentiment
    from rated_activities
    inner join spine
        on
            rated_activities.activity_date <= spine.date_day
            and rated_activities.activity_date
            > {{ pulse_add_days('spine.date_day', -var('interaction_sentiment_days')) }}
    group by rated_activities.account_id, spine.date_day

)

select * from final
