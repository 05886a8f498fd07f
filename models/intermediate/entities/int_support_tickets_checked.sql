{{ config(materialized='table') }}
-- depends_on: {{ ref('stg_support__tickets') }}
-- {{ ref('int_accounts') }}
-- {{ ref('stg_product__accounts_rejected') }}
-- {{ ref('int_visitors') }}
-- {{ ref('stg_product__visitors_rejected') }}
{{ pulse_checked_model('support_tickets') }}
