"""Sending at the provider account's pace: ``LOYALTY_SMS_RATE`` / ``LOYALTY_EMAIL_RATE`` messages per
second across every worker, shared through the database, so it holds on the embedded setup (SQLite, its
SQLAlchemy broker) and in production (PostgreSQL, Redis) alike.

One row per channel in ``heartbeats`` (name ``rate:<channel>``) holds the channel's next free send slot:
a worker reserves ``count`` consecutive slots ``1/rate`` apart by moving it forward under the row's lock
(``FOR UPDATE`` on PostgreSQL, the write lock on SQLite), commits, and sends each message at its slot.
This is GCRA, a token bucket with no burst: two workers' slots interleave instead of overlapping. The
workers' clocks must agree (NTP), as for every lease here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from loyalty.core.db import is_postgres
from loyalty.models.operations import Heartbeat


def reserve_slots(session: Session, channel: str, count: int, rate: float, now: datetime) -> datetime:
    """The first of ``count`` send slots reserved on ``channel`` (slot k at the result + k/rate).

    Holds the channel's row locked until the caller commits: keep the transaction to this call."""
    name = f"rate:{channel}"
    table = Heartbeat.__table__  # type: ignore[attr-defined]
    insert = (postgresql if is_postgres(session) else sqlite).insert(table)
    session.execute(insert.values(name=name, at=now).on_conflict_do_nothing(index_elements=["name"]))
    row = session.exec(
        select(Heartbeat)
        .where(Heartbeat.name == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    start = max(row.at, now)
    row.at = start + timedelta(seconds=count / rate)
    session.add(row)
    session.flush()
    return start
