{{ pulse_base_model('product', 'visitors') }}
