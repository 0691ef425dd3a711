"""Migration 0009 recomputes the stored name search for members that existed before it (SQLite and
PostgreSQL), and its downgrade puts back the old folding."""

from __future__ import annotations

import sqlalchemy as sa

from alembic import command
from loyalty.core.db import make_engine
from loyalty.core.migrate import alembic_config, upgrade
from tests.conftest import scratch_database


def test_existing_members_become_findable_without_turkish_letters(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = scratch_database(db_url, tmp_path, "m0009")
    upgrade(url, "0006")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO members (full_name, name_search, phone, locale, timezone, preferred_channel,"
                " phone_valid, sms_opt_in, email_opt_in, paused, created_at)"
                " VALUES ('Çiğdem ÖZTÜRK', 'çiğdem öztürk', '+905320000001', 'tr', 'Europe/Istanbul', 'sms',"
                " true, false, false, false, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(url, "0009")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name_search FROM members")).scalar_one() == "cigdem ozturk"
    command.downgrade(alembic_config(url), "0006")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name_search FROM members")).scalar_one() == "çiğdem öztürk"
    engine.dispose()
