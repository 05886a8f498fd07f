-- references (checked here): {{ ref('base_product__visitors') }}, {{ ref('base_product__accounts') }}
{{ pulse_base_model('product', 'nps_responses') }}
