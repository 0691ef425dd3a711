"""Heartbeats: a periodic process (beat) writes its row every minute; readiness checks its age."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from loyalty.core import dialect
from loyalty.models.operations import Heartbeat

BEAT = "beat"


def beat(session: Session, name: str, now: datetime) -> None:
    """Record that ``name`` is alive at ``now`` (one row per name, upserted). Flushes."""
    table = Heartbeat.__table__  # type: ignore[attr-defined]
    insert = dialect.insert(session, table)
    session.execute(
        insert.values(name=name, at=now).on_conflict_do_update(index_elements=["name"], set_={"at": now})
    )
    session.flush()


def last_beat(session: Session, name: str) -> datetime | None:
    row = session.get(Heartbeat, name, populate_existing=True)
    return row.at if row is not None else None
