{{ pulse_checked_rows('visitors') }}
