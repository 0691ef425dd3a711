"""Queueing outbound messages: one typed row, one function, for every producer.

A producer (a campaign run, occasion reminders, the card welcome, a test send, the opt-out confirmation,
an e-mail confirmation, anything new) builds :class:`MessageRow` values and calls :func:`queue`; nothing
else inserts into ``messages``. One row per (channel, dedupe key), so queueing twice is harmless. The dedupe
keys are ``coupon:<id>`` (a campaign message), ``welcome:<card id>``, ``occasion:<id>:<date>`` (a
reminder), ``optout:<sid>``, ``email_confirmation:...`` and ``test:<campaign>:<random>``.

:func:`queue` picks the path itself: a few rows are inserted with ``INSERT ... ON CONFLICT DO NOTHING
RETURNING id``; from ``COPY_FROM`` rows on, PostgreSQL takes a binary COPY straight into the tables (every
row new: a campaign's first run) or, when a row already existed, stages the batch and inserts only the new
rows in (channel, dedupe_key) order, so two workers queueing the same rows cannot deadlock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, select

from loyalty.core import dialect
from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime, is_postgres
from loyalty.messaging.outbox import chunks, record_events
from loyalty.messaging.reach import message_channel
from loyalty.models.members import Channel, Member
from loyalty.models.messages import MESSAGES, MessageState

COPY_FROM = 200  # rows: from here on PostgreSQL copies (a multi-row INSERT is parsed per batch)
INSERT_BATCH = 1000  # rows per INSERT statement on the plain path


class MessageRow(NamedTuple):
    """One message to queue. A tuple in the ``messages`` columns' names, so the bulk path copies it as is.

    ``channel`` None: resolved now from ``requested_channel`` by ``reach.message_channel`` (a producer
    that already knows it, like a campaign run whose audience told it, passes it). ``not_before`` None:
    due now. ``member_id`` None and ``to_address`` set: a test send to marketing's own address."""

    member_id: int | None
    requested_channel: str  # sms | email | preferred
    dedupe_key: str
    purpose: str  # the template
    category: str  # a models.messages.Category
    channel: str | None = None
    locale: str = "tr"
    context: dict[str, Any] | None = None
    campaign_id: int | None = None
    run_id: int | None = None
    coupon_id: int | None = None
    occasion_id: int | None = None
    card_id: int | None = None
    not_before: datetime | None = None
    expires_at: datetime | None = None
    send_by: datetime | None = None  # tied to a date: not sent at or after this instant
    to_address: str | None = None


COLUMNS = MessageRow._fields
_FIXED = ("state", "attempts", "needs_reconcile", "created_at", "updated_at")
_EVENT_COLUMNS = ("message_id", "state", "detail", "at")
_STAGE = "message_row_stage"


def queue(
    session: Session, rows: Sequence[MessageRow], *, now: datetime | None = None, detail: str = ""
) -> list[int]:
    """Queue ``rows`` with their ``queued`` events (``detail`` on each); idempotent on (channel,
    dedupe_key). Returns the ids newly queued. Flushes."""
    now = now or utcnow()
    complete = _completed(session, rows, now)
    if not complete:
        return []
    if is_postgres(session) and len(complete) >= COPY_FROM:
        ids = _copy(session.connection(), complete, now, detail)
    else:
        ids = []
        statement = dialect.insert(session, MESSAGES).on_conflict_do_nothing().returning(MESSAGES.c.id)
        fixed = dict(zip(_FIXED, (MessageState.queued.value, 0, False, now, now), strict=True))
        for batch in chunks(complete, INSERT_BATCH):
            ids += [row[0] for row in session.execute(statement, [row._asdict() | fixed for row in batch])]
        record_events(session, ids, MessageState.queued, detail, at=now)
    session.flush()
    return ids


def _completed(session: Session, rows: Sequence[MessageRow], now: datetime) -> list[MessageRow]:
    """The rows with a channel, a due time and a context: what the producer left open, filled in."""
    open_channel = {row.member_id for row in rows if row.channel is None and row.member_id is not None}
    members: dict[int, Member] = {}
    for batch in chunks(sorted(open_channel), INSERT_BATCH):
        for found in session.exec(select(Member).where(Member.id.in_(batch))):  # type: ignore[union-attr]
            members[found.id or 0] = found
    out = []
    for row in rows:
        if row.channel is None or row.not_before is None or row.context is None:
            channel = row.channel
            if channel is None:
                who = members.get(row.member_id or 0)
                channel = message_channel(who, row.requested_channel) if who else None
                channel = channel or Channel.sms.value
            row = row._replace(
                channel=channel,
                not_before=row.not_before or now,
                context=row.context if row.context is not None else {},
            )
        out.append(row)
    return out


def _copy(connection: sa.Connection, rows: list[MessageRow], now: datetime, detail: str) -> list[int]:
    """PostgreSQL, many rows: straight in when all are new, else staged (see the module's docstring)."""
    ordered = sorted(rows, key=lambda row: (row.channel or "", row.dedupe_key))  # the staged order
    ids = dialect.next_ids(connection, "messages", len(ordered))
    fixed = (MessageState.queued.value, 0, False, now, now)
    rows_in = ((message_id, *row, *fixed) for message_id, row in zip(ids, ordered, strict=True))
    if dialect.copy_new_rows(connection, "messages", ("id", *COLUMNS, *_FIXED), rows_in):
        event = (MessageState.queued.value, detail[:500], now)
        dialect.copy_rows(connection, "message_events", _EVENT_COLUMNS, ((i, *event) for i in ids))
        return ids
    columns = ", ".join(COLUMNS)
    with dialect.staging_table(connection, _STAGE, like="messages", names=COLUMNS):
        dialect.copy_rows(connection, _STAGE, COLUMNS, rows)
        new = connection.execute(
            sa.text(
                f"""
                WITH new AS (
                    INSERT INTO messages ({columns}, {", ".join(_FIXED)})
                    SELECT {columns}, :state, 0, false, :now, :now FROM {_STAGE}
                    ORDER BY channel, dedupe_key
                    ON CONFLICT DO NOTHING
                    RETURNING id
                ), events AS (
                    INSERT INTO message_events (message_id, state, detail, at)
                    SELECT id, :state, :detail, :now FROM new
                )
                SELECT id FROM new
                """
            ).bindparams(sa.bindparam("now", type_=UTCDateTime())),
            {"state": MessageState.queued.value, "now": now, "detail": detail[:500]},
        ).scalars()
        return [int(i) for i in new]
