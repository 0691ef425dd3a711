"""Migration 0014 moves the send-rate slots out of ``heartbeats`` into ``send_rate_slots`` keeping each
channel's next slot (SQLite and PostgreSQL), leaves beat's heartbeat alone, and its downgrade moves them
back."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from alembic import command
from loyalty.core.db import make_engine
from loyalty.core.migrate import alembic_config, upgrade
from tests.conftest import fresh_postgres


def _database(db_url: str, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'm.sqlite'}"
    url = make_url(db_url).set(database=f"{make_url(db_url).database}_m0014")
    rendered = url.render_as_string(hide_password=False)
    fresh_postgres(rendered)
    return rendered


def test_rate_slots_move_to_their_own_table_and_back(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = _database(db_url, tmp_path)
    upgrade(url, "0019")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO heartbeats (name, at) VALUES ('beat', '2026-12-06 10:00:00+00:00'),"
                " ('rate:sms', '2026-12-06 10:00:05+00:00'), ('rate:email', '2026-12-06 10:00:09+00:00')"
            )
        )
    upgrade(url, "0014")
    with engine.connect() as conn:
        slots = conn.execute(sa.text("SELECT channel FROM send_rate_slots ORDER BY channel")).scalars().all()
        beats = conn.execute(sa.text("SELECT name FROM heartbeats")).scalars().all()
    assert slots == ["email", "sms"] and beats == ["beat"]
    command.downgrade(alembic_config(url), "0019")
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name FROM heartbeats ORDER BY name")).scalars().all()
    assert names == ["beat", "rate:email", "rate:sms"]
    engine.dispose()
