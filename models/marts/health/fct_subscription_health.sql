{#-
    Subscription health as of as_of_date (README "Definitions": Health score, levels): one row
    per subscription started by as_of_date of an account that exists, scored with the seed
    components like the account.

    - The subscriptions are the rows of the optional raw table `subscriptions`
      (int_subscriptions). An account with no row there (or every account, when the table is
      not given) is one account-wide subscription: subscription_id 'account:<account_id>'
      (its own id space: it cannot collide with a subscription's id), product NULL, its plan,
      seats, ARR, creation and churn. An account whose rows all start after as_of_date has
      no subscription yet.
    - Usage components (breadth, depth, frequency) come from the subscription's product: the
      features whose catalogue `product` is the subscription's, in the window ending on
      as_of_date. breadth = distinct visitors who used one of them / the subscription's seats
      (the account's effective seats when missing or 0), at most 1; depth = depth features of
      the product used / depth features of the product (NULL when it has none); frequency =
      visitor-days with such a feature / those visitors. When no feature of the catalogue
      belongs to the product (features.product not given, or spelled otherwise) its usage is
      unknown: the three are null (a warn test names such subscriptions). An account-wide
      subscription takes the account's own usage metrics (every feature, every active visitor).
    - The other components of the seed health_components (sentiment, support, relationship,
      interaction_sentiment, sponsor_engagement, and any added there) are the account's
      (fct_account_health, which carries every component's metric).
    So an account-wide subscription's health_score is its account's (a test checks it).
    Grain: subscription_id.
-#}
{#- the metric columns listed in signals below -#}
{%- set explicit_metrics = [
    'breadth_pct', 'depth_pct', 'frequency', 'account_nps', 'weighted_open_tickets_per_10_seats',
    'days_since_csm_activity', 'interaction_sentiment', 'sponsor_engagement',
] -%}
with

report_window as (

    select * from {{ ref('dim_report_window') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

account_health as (

    select * from {{ ref('fct_account_health') }}

),

components as (

    select * from {{ ref('health_components') }}

),

given_subscriptions as (

    select * from {{ ref('int_subscriptions') }}

),

features as (

    select * from {{ ref('dim_features') }}

),

subscriptions as (

    select
        given_subscriptions.subscription_id,
        given_subscriptions.account_id,
        given_subscriptions.product,
        coalesce(given_subscriptions.plan_tier, accounts.plan_tier) as plan_tier,
        cast(given_subscriptions.seats as {{ pulse_type('bigint') }}) as seats,
        cast(given_subscriptions.arr_usd as {{ pulse_type('double') }}) as arr_usd,
        given_subscriptions.started_at,
        case
            when cast({{ pulse_local_timestamp('given_subscriptions.ended_at') }} as date) <= report_window.as_of_date
                then given_subscriptions.ended_at
        end as ended_at,
        false as is_account_wide
    from given_subscriptions
    inner join accounts
        on given_subscriptions.account_id = accounts.account_id
    cross join report_window
    where cast({{ pulse_local_timestamp('given_subscriptions.started_at') }} as date) <= report_window.as_of_date

    union all

    -- an account with no subscription row is one account-wide subscription
    select
        {{ dbt.concat(["'account:'", 'accounts.account_id']) }} as subscription_id,
        accounts.account_id,
        cast(null as {{ pulse_type('varchar') }}) as product,
        accounts.plan_tier,
        accounts.seats_purchased as seats,
        accounts.arr_usd,
        accounts.created_at as started_at,
        accounts.churned_at as ended_at,
        true as is_account_wide
    from accounts
    where not exists (
        select 1
        from given_subscriptions
        where given_subscriptions.account_id = accounts.account_id
    )

),

-- the window's feature clicks of each account on the features of each product
product_feature_days as (

    select
        feature_days.account_id,
        features.product,
        feature_days.visitor_id,
        feature_days.activity_date,
        feature_days.feature_id,
        features.is_depth_feature
    from {{ ref('int_visitor_feature_days_aggregated') }} as feature_days
    inner join features
        on feature_days.feature_id = features.feature_id
    cross join report_window
    where
        features.product is not null
        and feature_days.activity_date between report_window.window_start_date and report_window.as_of_date

),

product_visitor_days as (

    select distinct
        account_id,
        product,
        visitor_id,
        activity_date
    from product_feature_days

),

product_visitors as (

    select
        account_id,
        product,
        count(distinct visitor_id) as count_active_visitors,
        count(*) as count_visitor_days
    from product_visitor_days
    group by account_id, product

),

product_depth as (

    select
        account_id,
        product,
        count(distinct feature_id) as count_depth_features_used
    from product_feature_days
    where is_depth_feature
    group by account_id, product

),

product_features as (

    select
        product,
        count(*) as count_features
    from features
    where product is not null
    group by product

),

product_depth_features as (

    select
        product,
        count(*) as count_depth_features
    from features
    where is_depth_feature and product is not null
    group by product

),

product_usage as (

    select
        subscriptions.subscription_id,
        coalesce(product_features.count_features, 0) as count_product_features,
        case
            when product_features.count_features is not null
                then {{ pulse_breadth_pct(
                    'coalesce(product_visitors.count_active_visitors, 0)',
                    'coalesce(nullif(subscriptions.seats, 0), ' ~ pulse_effective_seats('accounts') ~ ')'
                ) }}
        end as breadth_pct,
        {{ pulse_ratio(
            'coalesce(product_depth.count_depth_features_used, 0)',
            'product_depth_features.count_depth_features'
        ) }} as depth_pct,
        case
            when product_features.count_features is not null
                then coalesce(
                    {{ pulse_ratio('product_visitors.count_visitor_days', 'product_visitors.count_active_visitors') }},
                    0
                )
        end as frequency
    from subscriptions
    inner join accounts
        on subscriptions.account_id = accounts.account_id
    left join product_visitors
        on
            subscriptions.account_id = product_visitors.account_id
            and subscriptions.product = product_visitors.product
    left join product_depth
        on
            subscriptions.account_id = product_depth.account_id
            and subscriptions.product = product_depth.product
    left join product_features
        on subscriptions.product = product_features.product
    left join product_depth_features
        on subscriptions.product = product_depth_features.product
    where not subscriptions.is_account_wide

),

signals as (

    select
        subscriptions.*,
        case when subscriptions.is_account_wide then account_health.breadth_pct else product_usage.breadth_pct end
            as breadth_pct,
        case when subscriptions.is_account_wide then account_health.depth_pct else product_usage.depth_pct end
            as depth_pct,
        case when subscriptions.is_account_wide then account_health.frequency else product_usage.frequency end
            as frequency,
        account_health.account_nps,
        account_health.weighted_open_tickets_per_10_seats,
        account_health.days_since_csm_activity,
        account_health.interaction_sentiment,
        account_health.sponsor_engagement,
        -- the account's metric of any component added to the seed
        {% set added = pulse_health_added_metrics('account_health', explicit_metrics) -%}
        {{ added }}account_health.health_score as account_health_score,
        product_usage.count_product_features
    from subscriptions
    left join account_health
        on subscriptions.account_id = account_health.account_id
    left join product_usage
        on subscriptions.subscription_id = product_usage.subscription_id

),

long as (

    {{ pulse_health_unpivot('signals', ['subscription_id']) }}

),

scores as (

    {{ pulse_health_score_select('long', 'components', ['subscription_id']) }}

),

final as (

    select
        signals.subscription_id,
        signals.account_id,
        signals.product,
        signals.is_account_wide,
        signals.plan_tier,
        signals.seats,
        signals.arr_usd,
        signals.started_at,
        signals.ended_at,
        signals.ended_at is null as is_active,
        report_window.as_of_date,
        scores.health_score,
        {{ pulse_health_band('scores.health_score') }} as health_band,
        coalesce(scores.count_scored_components, 0) as count_scored_components,
        scores.dragging_component,
        signals.account_health_score,
        signals.count_product_features,
        signals.breadth_pct,
        signals.depth_pct,
        signals.frequency,
        signals.account_nps,
        signals.weighted_open_tickets_per_10_seats,
        signals.days_since_csm_activity,
        signals.interaction_sentiment,
        signals.sponsor_engagement,
        {% set added = pulse_health_added_metrics('signals', explicit_metrics) -%}
        {{ added }}{{ pulse_health_component_columns('scores') }}
    from signals
    cross join report_window
    left join scores
        on signals.subscription_id = scores.subscription_id

)

select * from final
