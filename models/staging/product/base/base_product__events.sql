{#- Appended to: each run parses and checks only the rows of newly landed files. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
-- references (checked here): {{ ref('base_product__visitors') }}, {{ ref('base_product__accounts') }}
{{ pulse_base_model('product', 'events') }}
