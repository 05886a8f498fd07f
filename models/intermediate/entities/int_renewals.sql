{{ pulse_checked_rows('renewals') }}
