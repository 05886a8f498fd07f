{{ pulse_rejected_rows('product', 'events', 'base_product__events', 'int_events_checked') }}
