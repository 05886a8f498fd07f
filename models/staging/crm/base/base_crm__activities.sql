-- references (checked here): {{ ref('base_product__accounts') }}
{{ pulse_base_model('crm', 'crm_activities') }}
