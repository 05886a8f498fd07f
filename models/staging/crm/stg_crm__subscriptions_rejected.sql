{{ config(materialized='table') }}

{{ pulse_rejected_rows('crm', 'subscriptions', 'base_crm__subscriptions', 'int_subscriptions_checked') }}
