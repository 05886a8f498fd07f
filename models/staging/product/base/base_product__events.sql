{#- Appended to: each run parses and checks only the rows of newly landed files. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
{{ pulse_base_model('product', 'events') }}
