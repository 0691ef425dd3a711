"""holidays (to be filled in)."""
