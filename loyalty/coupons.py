"""coupons (to be filled in)."""
