{#- Incremental: each run checks the events staged since the last run (new ones, and the ones
    an earlier re-delivery replaced), so a decision is made once, when the event is staged. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=pulse_key_incremental_strategy(),
    unique_key='event_id',
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('stg_product__events') }}
-- {{ ref('int_visitors') }}
-- {{ ref('stg_product__visitors_rejected') }}
-- {{ ref('int_accounts') }}
-- {{ ref('stg_product__accounts_rejected') }}
{{ pulse_checked_model('events') }}
