{{ pulse_base_model('crm', 'renewals') }}
