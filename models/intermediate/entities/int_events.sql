{{ pulse_checked_rows('events') }}
