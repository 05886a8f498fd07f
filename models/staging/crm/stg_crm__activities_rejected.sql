{{ config(materialized='table') }}

{{ pulse_rejected_rows('crm', 'crm_activities', 'base_crm__activities', 'int_crm_activities_checked') }}
