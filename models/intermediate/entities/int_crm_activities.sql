{{ pulse_checked_rows('crm_activities') }}
