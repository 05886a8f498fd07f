{{ pulse_base_model('product', 'features') }}
