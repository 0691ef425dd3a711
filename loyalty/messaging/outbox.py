"""The outbox's life around queueing: the send task's name, the status history of messages, cancelling.

Queueing itself is ``messaging.queue`` (one typed row, one function). Cancelling is here: a pause, a
retired occasion, a cancelled campaign."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime, is_postgres
from loyalty.models.messages import COMMERCIAL, EVENTS, MESSAGES, MessageState

log = logging.getLogger(__name__)
M = MESSAGES.c


SEND_TASK = "workers.send_message"
COPY_FROM = 200  # ids: from here on PostgreSQL records events in one statement (the ids as an array)


def record_events(
    session: Session, ids: Iterable[int], state: str, detail: str = "", at: datetime | None = None
) -> None:
    at = at or utcnow()
    ids = list(ids)
    if not ids:
        return
    if is_postgres(session) and len(ids) >= COPY_FROM:  # one statement, the ids as an array
        session.execute(
            sa.text(
                "INSERT INTO message_events (message_id, state, detail, at) "
                "SELECT unnest(CAST(:ids AS integer[])), :state, :detail, :at"
            ).bindparams(sa.bindparam("at", type_=UTCDateTime())),
            {"ids": ids, "state": state, "detail": detail[:500], "at": at},
        )
        return
    session.execute(
        sa.insert(EVENTS), [{"message_id": i, "state": state, "detail": detail[:500], "at": at} for i in ids]
    )


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def cancel_pending(
    session: Session,
    *,
    member_id: int,
    occasion_id: int | None = None,
    reason: str,
    channel: str | None = None,
) -> int:
    """Cancel a member's queued commercial messages (or only those about ``occasion_id``; only those
    going on ``channel``)."""
    where = [M.member_id == member_id]
    if channel is not None:
        where.append(M.channel == channel)
    if occasion_id is not None:
        where.append(M.occasion_id == occasion_id)
    else:
        where.append(M.category.in_([c.value for c in COMMERCIAL]))
    return _cancel_queued(session, where, reason)


def cancel_campaign_messages(session: Session, *, campaign_id: int, reason: str) -> int:
    """Cancel every message of a campaign not yet handed to a provider."""
    return _cancel_queued(session, [M.campaign_id == campaign_id], reason)


def _cancel_queued(session: Session, where: list[Any], reason: str) -> int:
    now = utcnow()
    stmt = (
        sa.update(MESSAGES)
        .where(M.state == MessageState.queued.value, *where)
        .values(state=MessageState.cancelled.value, error_message=reason[:500], updated_at=now)
        .returning(M.id)
    )
    ids = [row[0] for row in session.execute(stmt)]
    record_events(session, ids, MessageState.cancelled, reason, now)
    session.flush()
    return len(ids)
