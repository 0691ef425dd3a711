"""Provider webhooks seen before, by their message id: a replayed request changes nothing.

Twilio's request signature carries no timestamp, so a captured signed request stays valid forever; an
inbound START replayed after the member's later STOP would subscribe them again. Each inbound message is
acted on once per ``MessageSid`` (the row is written in the same transaction as its effect). Status
callbacks need no row: a message's state only moves forward (loyalty.delivery.outcomes.apply_provider_status).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from loyalty.core import dialect
from loyalty.models.operations import WebhookReceipt


def first_receipt(session: Session, kind: str, message_sid: str, now: datetime) -> bool:
    """Record ``message_sid``; False when it was recorded before (a replay: do nothing). Flushes."""
    table = WebhookReceipt.__table__  # type: ignore[attr-defined]
    insert = dialect.insert(session, table)
    inserted = session.execute(
        insert.values(kind=kind, message_sid=message_sid[:64], received_at=now)
        .on_conflict_do_nothing()
        .returning(table.c.id)
    ).first()
    session.flush()
    return inserted is not None
