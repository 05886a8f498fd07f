{{ pulse_base_model('crm', 'crm_activities') }}
