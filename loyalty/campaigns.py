"""campaigns (to be filled in)."""
