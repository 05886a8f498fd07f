{{ pulse_base_model('product', 'nps_responses') }}
