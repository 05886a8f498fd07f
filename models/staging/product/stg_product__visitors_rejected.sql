{{ config(materialized='table') }}

{{ pulse_rejected_rows('product', 'visitors', 'base_product__visitors', 'int_visitors_checked') }}
