{{ pulse_base_model('product', 'poll_responses') }}
