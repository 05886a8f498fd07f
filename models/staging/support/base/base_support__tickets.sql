{{ pulse_base_model('support', 'support_tickets') }}
