{{ config(materialized='table') }}
-- depends_on: {{ ref('stg_crm__subscriptions') }}
-- {{ ref('int_accounts') }}
-- {{ ref('stg_product__accounts_rejected') }}
{{ pulse_checked_model('subscriptions') }}
