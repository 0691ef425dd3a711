"""Loyalty program and occasion-based promotion engine: the domain (tables beside their rules)."""
