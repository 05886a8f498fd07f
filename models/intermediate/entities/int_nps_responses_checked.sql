{{ config(materialized='table') }}
-- depends_on: {{ ref('stg_product__nps_responses') }}
-- {{ ref('int_visitors') }}
-- {{ ref('stg_product__visitors_rejected') }}
-- {{ ref('int_accounts') }}
-- {{ ref('stg_product__accounts_rejected') }}
{{ pulse_checked_model('nps_responses') }}
