"""Shared by the benchmark scripts: a PostgreSQL database dropped, created again and migrated to head."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from loyalty.core.db import make_engine
from loyalty.core.migrate import upgrade


def fresh_database(url: str) -> None:
    """Drop and re-create the database ``url`` names (never point it at one you keep), then migrate."""
    target = make_url(url)
    admin = make_engine(
        target.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()
    upgrade(url)
