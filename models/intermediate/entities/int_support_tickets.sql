{{ pulse_checked_rows('support_tickets') }}
