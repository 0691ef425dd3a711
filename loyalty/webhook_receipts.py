"""Provider webhooks seen before, by their message id: a replayed request changes nothing.

Twilio's request signature carries no timestamp, so a captured signed request stays valid forever; an
inbound START replayed after the member's later STOP would subscribe them again. Each inbound message is
acted on once per ``MessageSid`` (the row is written in the same transaction as its effect). Status
callbacks need no row: a message's state only moves forward (loyalty.messages.apply_provider_status).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel

from loyalty.db import UTCDateTime, is_postgres


class WebhookReceipt(SQLModel, table=True):
    __tablename__ = "webhook_receipts"
    __table_args__ = (sa.UniqueConstraint("kind", "message_sid"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # "inbound"
    message_sid: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)


def first_receipt(session: Session, kind: str, message_sid: str, now: datetime) -> bool:
    """Record ``message_sid``; False when it was recorded before (a replay: do nothing). Flushes."""
    table = WebhookReceipt.__table__  # type: ignore[attr-defined]
    insert = (postgresql if is_postgres(session) else sqlite).insert(table)
    inserted = session.execute(
        insert.values(kind=kind, message_sid=message_sid[:64], received_at=now)
        .on_conflict_do_nothing()
        .returning(table.c.id)
    ).first()
    session.flush()
    return inserted is not None
