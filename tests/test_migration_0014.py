"""Migration 0014 moves the send-rate slots out of ``heartbeats`` into ``send_rate_slots`` keeping each
channel's next slot (SQLite and PostgreSQL), leaves beat's heartbeat alone, and its downgrade moves them
back."""

from __future__ import annotations

import sqlalchemy as sa

from alembic import command
from loyalty.core.db import make_engine
from loyalty.core.migrate import alembic_config, upgrade
from tests.conftest import scratch_database


def test_rate_slots_move_to_their_own_table_and_back(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = scratch_database(db_url, tmp_path, "m0014")
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
