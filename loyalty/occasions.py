"""occasions (to be filled in)."""
