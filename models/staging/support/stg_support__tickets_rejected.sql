{{ config(materialized='table') }}

{{ pulse_rejected_rows('support', 'support_tickets', 'base_support__tickets', 'int_support_tickets_checked') }}
