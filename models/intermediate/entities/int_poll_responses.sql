{{ pulse_checked_rows('poll_responses') }}
