"""Queueing outbound messages: one row per (channel, dedupe key), so queueing twice is harmless.

The dedupe keys are ``coupon:<id>`` (a campaign message), ``welcome:<card id>`` and
``occasion:<id>:<date>`` (a reminder). Producers (campaigns, occasions, cards) build their content and
call ``queue_messages`` here; cancelling is here too (a pause, a retired occasion, a cancelled campaign)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Json
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from loyalty.core.db import UTCDateTime, is_postgres, utcnow
from loyalty.messaging.reach import PREFERRED, choose_channel
from loyalty.models.members import Channel, Member
from loyalty.models.messages import COMMERCIAL, EVENTS, MESSAGES, Category, MessageState

log = logging.getLogger(__name__)
M = MESSAGES.c


SEND_TASK = "workers.send_message"


@dataclass
class NewMessage:
    member_id: int
    requested_channel: str  # sms | email | preferred
    dedupe_key: str
    purpose: str
    category: Category
    locale: str = "tr"
    context: dict[str, Any] = field(default_factory=dict)
    not_before: datetime | None = None
    expires_at: datetime | None = None
    send_by: datetime | None = None  # tied to a date: not sent at or after this instant
    campaign_id: int | None = None
    run_id: int | None = None
    coupon_id: int | None = None
    occasion_id: int | None = None
    card_id: int | None = None


COPY_FROM = 200  # rows: from here on PostgreSQL stages with COPY (a multi-row INSERT is parsed per batch)


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT INTO messages ... ON CONFLICT DO NOTHING RETURNING id: the ids of rows that were new."""
    if not rows:
        return []
    if is_postgres(session) and len(rows) >= COPY_FROM:
        return _copy_insert(session, rows)
    dialect = postgresql if is_postgres(session) else sqlite
    stmt = dialect.insert(MESSAGES).on_conflict_do_nothing().returning(MESSAGES.c.id)
    return [row[0] for row in session.execute(stmt, rows)]


def _copy_insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """PostgreSQL, many rows: COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO
    NOTHING RETURNING id, in (channel, dedupe_key) order so two workers queueing the same rows cannot
    deadlock."""

    names = list(rows[0])
    columns = ", ".join(names)
    connection = session.connection()
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE message_stage ON COMMIT DROP AS SELECT {columns} FROM messages WITH NO DATA"
    )
    driver: Any = connection.connection.driver_connection  # psycopg.Connection, same transaction
    with driver.cursor() as cursor, cursor.copy(f"COPY message_stage ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([Json(v) if isinstance(v, dict) else v for v in (row[name] for name in names)])
    ids = connection.exec_driver_sql(
        f"INSERT INTO messages ({columns}) SELECT {columns} FROM message_stage ORDER BY channel, dedupe_key "
        "ON CONFLICT DO NOTHING RETURNING id"
    ).scalars()
    new_ids = [int(i) for i in ids]
    connection.exec_driver_sql("DROP TABLE message_stage")
    return new_ids


# the columns of a message row as producers hand it over in bulk (``insert_message_rows``); the state,
# attempts and timestamps are the same for every new message and added here
ROW_COLUMNS = (
    "member_id",
    "channel",
    "requested_channel",
    "dedupe_key",
    "purpose",
    "category",
    "locale",
    "context",
    "campaign_id",
    "run_id",
    "coupon_id",
    "occasion_id",
    "card_id",
    "not_before",
    "expires_at",
    "send_by",
)
_ROW_STAGE = "message_row_stage"


def insert_message_rows(session: Session, rows: Sequence[tuple[Any, ...]], *, now: datetime) -> int:
    """Queue plain rows (``ROW_COLUMNS`` order, the channel already resolved) with their ``queued`` events;
    idempotent on (channel, dedupe_key). Returns how many were new.

    For producers that queue many messages at once (a campaign run, in batches): no objects per row. On
    PostgreSQL binary COPY straight into the tables when every row is new; else one binary COPY into a
    temporary table and one statement that inserts the new messages in (channel, dedupe_key) order (two
    workers on the same rows cannot deadlock) and their events from its ``RETURNING``. On SQLite an
    executemany ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``."""
    if not rows:
        return 0
    if not is_postgres(session):
        fixed = {
            "state": MessageState.queued.value,
            "attempts": 0,
            "needs_reconcile": False,
            "created_at": now,
            "updated_at": now,
        }
        ids = []
        for chunk in chunks(list(rows), 1000):
            ids += _insert(session, [dict(zip(ROW_COLUMNS, row, strict=True)) | fixed for row in chunk])
        record_events(session, ids, MessageState.queued, at=now)
        return len(ids)
    connection = session.connection()
    if (direct := _copy_new_rows(connection, rows, now)) is not None:
        return direct
    columns = ", ".join(ROW_COLUMNS)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_ROW_STAGE} ON COMMIT DROP AS SELECT {columns} FROM messages WITH NO DATA"
    )
    types = connection.exec_driver_sql(
        f"SELECT atttypid FROM pg_attribute WHERE attrelid = '{_ROW_STAGE}'::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum"
    ).scalars()
    driver: Any = connection.connection.driver_connection  # psycopg.Connection, same transaction
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {_ROW_STAGE} ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types([int(oid) for oid in types])
        for row in rows:
            copy.write_row(row)
    queued = connection.execute(
        sa.text(
            f"""
            WITH new AS (
                INSERT INTO messages ({columns}, state, attempts, needs_reconcile, created_at, updated_at)
                SELECT {columns}, :state, 0, false, :now, :now FROM {_ROW_STAGE}
                ORDER BY channel, dedupe_key
                ON CONFLICT DO NOTHING
                RETURNING id
            )
            INSERT INTO message_events (message_id, state, detail, at) SELECT id, :state, '', :now FROM new
            """
        ).bindparams(sa.bindparam("now", type_=UTCDateTime())),
        {"state": MessageState.queued.value, "now": now},
    ).rowcount
    connection.exec_driver_sql(f"DROP TABLE {_ROW_STAGE}")
    return int(queued)


_FIXED_COLUMNS = ("state", "attempts", "needs_reconcile", "created_at", "updated_at")
_EVENT_COLUMNS = ("message_id", "state", "detail", "at")


def _column_types(connection: sa.Connection, table: str, names: Sequence[str]) -> list[int]:
    found: dict[str, int] = dict(
        connection.execute(
            sa.text(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = CAST(:table AS regclass) "
                "AND attnum > 0 AND NOT attisdropped"
            ),
            {"table": table},
        ).all()
    )
    return [int(found[name]) for name in names]


def _copy_new_rows(connection: sa.Connection, rows: Sequence[tuple[Any, ...]], now: datetime) -> int | None:
    """The common case, all rows new (a campaign's first run): binary COPY straight into ``messages``
    (ids drawn from its sequence first) and ``message_events``, inside a savepoint. None when a row
    already existed (a unique violation): the savepoint is rolled back and the caller stages the rows."""
    ordered = sorted(rows, key=lambda row: (row[1], row[3]))  # (channel, dedupe_key): the staged order
    drawn = connection.execute(
        sa.text("SELECT nextval(pg_get_serial_sequence('messages', 'id')) FROM generate_series(1, :n)"),
        {"n": len(ordered)},
    ).scalars()
    ids = [int(i) for i in drawn]
    names = ("id", *ROW_COLUMNS, *_FIXED_COLUMNS)
    types = _column_types(connection, "messages", names)
    event_types = _column_types(connection, "message_events", _EVENT_COLUMNS)
    fixed = (MessageState.queued.value, 0, False, now, now)
    driver: Any = connection.connection.driver_connection  # psycopg.Connection, same transaction
    with driver.cursor() as cursor:
        cursor.execute("SAVEPOINT message_rows")
        try:
            with cursor.copy(f"COPY messages ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for message_id, row in zip(ids, ordered, strict=True):
                    copy.write_row((message_id, *row, *fixed))
        except psycopg.errors.UniqueViolation:
            cursor.execute("ROLLBACK TO SAVEPOINT message_rows")
            return None
        cursor.execute("RELEASE SAVEPOINT message_rows")
        events = f"COPY message_events ({', '.join(_EVENT_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(events) as copy:
            copy.set_types(event_types)
            for message_id in ids:
                copy.write_row((message_id, MessageState.queued.value, "", now))
    return len(ids)


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


def queue_messages(session: Session, new: Sequence[NewMessage], *, now: datetime | None = None) -> list[int]:
    """Insert messages (set-based, idempotent on (channel, dedupe_key)); returns the ids newly queued.

    ``preferred`` is resolved to a channel now (the policy may still switch it at send time)."""
    now = now or utcnow()
    member_ids = {m.member_id for m in new if m.requested_channel == PREFERRED}
    members: dict[int, Member] = {}
    for chunk in chunks(sorted(member_ids), 1000):
        for found in session.exec(select(Member).where(Member.id.in_(chunk))):  # type: ignore[union-attr]
            members[found.id or 0] = found
    rows = []
    for m in new:
        if m.requested_channel == PREFERRED:
            who = members.get(m.member_id)
            chosen = choose_channel(who, PREFERRED) if who else None
            channel = chosen or (Channel(who.preferred_channel) if who else Channel.sms)
        else:
            channel = Channel(m.requested_channel)
        rows.append(
            {
                "member_id": m.member_id,
                "channel": channel.value,
                "requested_channel": m.requested_channel,
                "dedupe_key": m.dedupe_key,
                "purpose": m.purpose,
                "category": m.category.value,
                "locale": m.locale,
                "context": m.context,
                "campaign_id": m.campaign_id,
                "run_id": m.run_id,
                "coupon_id": m.coupon_id,
                "occasion_id": m.occasion_id,
                "card_id": m.card_id,
                "not_before": m.not_before or now,
                "expires_at": m.expires_at,
                "send_by": m.send_by,
                "state": MessageState.queued.value,
                "attempts": 0,
                "needs_reconcile": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    ids = []
    for chunk in chunks(rows, 1000):
        ids += _insert(session, chunk)
    record_events(session, ids, MessageState.queued, at=now)
    session.flush()
    return ids


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def cancel_pending(session: Session, *, member_id: int, occasion_id: int | None = None, reason: str) -> int:
    """Cancel a member's queued commercial messages (or only those about ``occasion_id``)."""
    where = [M.member_id == member_id]
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
