"""Coupons: unguessable codes, offers, issuing in bulk, redeeming exactly once, reversal and audit."""
