"""Sending at the provider account's pace: ``LOYALTY_SMS_RATE`` / ``LOYALTY_EMAIL_RATE`` messages per
second across every worker, shared through the database, so it holds on the embedded setup (SQLite, its
SQLAlchemy broker) and in production (PostgreSQL, Redis) alike.

One row per channel in ``send_rate_slots`` holds the channel's next free send slot:
a worker reserves ``count`` consecutive slots ``1/rate`` apart by moving it forward under the row's lock
(``FOR UPDATE`` on PostgreSQL, the write lock on SQLite), commits, and sends each message at its slot.
This is GCRA, a token bucket with no burst: two workers' slots interleave instead of overlapping. The
workers' clocks must agree (NTP), as for every lease here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from loyalty.core import dialect
from loyalty.models.operations import SendRateSlot


def reserve_slots(session: Session, channel: str, count: int, rate: float, now: datetime) -> datetime:
    """The first of ``count`` send slots reserved on ``channel`` (slot k at the result + k/rate).

    Holds the channel's row locked until the caller commits: keep the transaction to this call."""
    table = SendRateSlot.__table__  # type: ignore[attr-defined]
    insert = dialect.insert(session, table)
    session.execute(
        insert.values(channel=channel, next_slot=now).on_conflict_do_nothing(index_elements=["channel"])
    )
    row = session.exec(
        select(SendRateSlot)
        .where(SendRateSlot.channel == channel)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    start = max(row.next_slot, now)
    row.next_slot = start + timedelta(seconds=count / rate)
    session.add(row)
    session.flush()
    return start
