{{ pulse_checked_rows('nps_responses') }}
