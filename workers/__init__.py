"""Celery app, beat schedule, tasks and channel adapters (filled in by the workers issue)."""
