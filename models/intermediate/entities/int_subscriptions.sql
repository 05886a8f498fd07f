{{ pulse_checked_rows('subscriptions') }}
