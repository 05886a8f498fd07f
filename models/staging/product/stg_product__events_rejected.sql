{{ pulse_rejected_rows('product', 'events', 'base_product__events') }}
