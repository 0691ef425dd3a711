"""Campaign triggers: one strategy module per trigger type (``holiday``, ``on_date``, ``occasion``) and
their registry (``registry``)."""
