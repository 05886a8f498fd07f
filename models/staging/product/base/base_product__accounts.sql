{{ pulse_base_model('product', 'accounts') }}
