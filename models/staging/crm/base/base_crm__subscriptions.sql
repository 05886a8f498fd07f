{{ pulse_base_model('crm', 'subscriptions') }}
