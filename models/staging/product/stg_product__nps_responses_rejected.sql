{{ config(materialized='table') }}

{{ pulse_rejected_rows('product', 'nps_responses', 'base_product__nps_responses', 'int_nps_responses_checked') }}
