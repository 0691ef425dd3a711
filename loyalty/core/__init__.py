"""The ground floor: database, errors, settings, jobs after commit, text, time zones, signed tokens, money.
Nothing here knows a table or a domain rule."""
