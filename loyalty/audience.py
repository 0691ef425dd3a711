"""Audience selection (to be filled in)."""
