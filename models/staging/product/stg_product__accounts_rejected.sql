{{ config(materialized='table') }}

{{ pulse_rejected_rows('product', 'accounts', 'base_product__accounts') }}
