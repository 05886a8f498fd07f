{{ config(materialized='table') }}

{{ pulse_rejected_rows('product', 'features', 'base_product__features') }}
