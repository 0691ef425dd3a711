"""Occasions: a member's own dates with their purpose; parsing, recurrence, SQL date windows, reminders."""
