{{ config(materialized='table') }}

{{ pulse_rejected_rows('product', 'poll_responses', 'base_product__poll_responses', 'int_poll_responses_checked') }}
