-- references (checked here): {{ ref('base_product__accounts') }}, {{ ref('base_product__visitors') }}
{{ pulse_base_model('support', 'support_tickets') }}
