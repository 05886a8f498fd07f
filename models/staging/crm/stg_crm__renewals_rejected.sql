{{ config(materialized='table') }}

{{ pulse_rejected_rows('crm', 'renewals', 'base_crm__renewals', 'int_renewals_checked') }}
