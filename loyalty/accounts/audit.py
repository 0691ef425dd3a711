"""The audit log's one mechanism: a session that carries an actor records every write it flushes.

A boundary names the actor once (``set_actor(session, "user:alice")``; the API does it when it resolves
the signed-in user) and an ``after_flush`` listener writes one ``audit_log`` row per inserted, changed or
deleted row of a user-facing table, with the changed columns. Personal columns are named, never copied:
the log must not keep what a KVKK erase removes. Bulk statements (``session.execute(update(...))``, COPY)
do not pass through the flush; the services that use them write their own summary row (``record``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Session, col, select

from loyalty.core.clock import utcnow
from loyalty.models.audit import AuditEntry

ACTOR_KEY = "audit_actor"
AUDIT: sa.Table = AuditEntry.__table__  # type: ignore[attr-defined]
# tables written by machinery, not by a person's request (or too many to log row by row)
NOT_AUDITED = frozenset({"audit_log", "messages", "message_events", "idempotency_keys"})
# columns whose values are personal data: the log says they changed, not what to
PERSONAL = frozenset(
    {
        "full_name",
        "name_search",
        "phone",
        "email",
        "holder_name",
        "purpose",
        "relation_name",
        "comment",
        "password_hash",
        "to_address",
        "context",
    }
)
REDACTED = "(personal)"
SKIPPED = frozenset({"id", "created_at", "updated_at"})
TARGET_NAMES = {
    "members": "member",
    "stores": "store",
    "users": "user",
    "occasions": "occasion",
    "purchases": "purchase",
    "cards": "card",
    "coupons": "coupon",
    "campaigns": "campaign",
    "consent_events": "consent",
    "feedback": "feedback",
    "shop_settings": "shop",
    "member_requests": "request",
}


def set_actor(session: Session, actor: str) -> None:
    """From now on, every write this session flushes is recorded under ``actor``."""
    session.info[ACTOR_KEY] = actor


def target_name(table: str) -> str:
    return TARGET_NAMES.get(table, table)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _value(column: str, value: Any) -> Any:
    return REDACTED if column in PERSONAL and value is not None else _plain(value)


def _changes(obj: Any, table: sa.Table, action: str) -> dict[str, Any]:
    state = sa.inspect(obj)
    out: dict[str, Any] = {}
    for column in table.columns:
        key = column.key
        if key in SKIPPED or key not in state.attrs:
            continue
        history = state.attrs[key].history
        if action == "insert":
            value = getattr(obj, key, None)
            if value is not None:
                out[key] = [None, _value(key, value)]
        elif action == "update" and history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if _plain(old) != _plain(new):
                out[key] = [_value(key, old), _value(key, new)]
    return out


def _row(actor: str, action: str, table: sa.Table, obj: Any, changes: dict[str, Any]) -> dict[str, Any]:
    target_id = getattr(obj, "id", None)
    member_id = target_id if table.name == "members" else getattr(obj, "member_id", None)
    return {
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "target_type": target_name(table.name),
        "target_id": target_id if isinstance(target_id, int) else None,
        "member_id": member_id if isinstance(member_id, int) else None,
        "changes": changes,
    }


@event.listens_for(OrmSession, "after_flush")
def _record_flush(session: OrmSession, _context: UOWTransaction) -> None:
    actor = session.info.get(ACTOR_KEY)
    if not actor:
        return
    rows: list[dict[str, Any]] = []
    for action, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            table = getattr(type(obj), "__table__", None)
            if not isinstance(table, sa.Table) or table.name in NOT_AUDITED:
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = {} if action == "delete" else _changes(obj, table, action)
            if action == "update" and not changes:
                continue
            rows.append(_row(actor, action, table, obj, changes))
    if rows:
        session.connection().execute(sa.insert(AUDIT), rows)


def inserted_row(session: Session, obj: Any) -> dict[str, Any] | None:
    """The audit row the flush listener would write for inserting ``obj`` (None without an actor), for a
    service that inserts with its own statement (``INSERT ... RETURNING``); ``target_id`` is ``obj.id``."""
    actor = session.info.get(ACTOR_KEY)
    table = getattr(type(obj), "__table__", None)
    if not actor or not isinstance(table, sa.Table):
        return None
    return _row(actor, "insert", table, obj, _changes(obj, table, "insert"))


def record(
    session: Session, action: str, target_type: str, target_id: int | None, changes: dict[str, Any]
) -> None:
    """A summary row for work done in bulk statements (an import, an erase), under the session's actor."""
    actor = session.info.get(ACTOR_KEY) or "system"
    member_id = target_id if target_type == "member" else None
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            member_id=member_id,
            changes=changes,
        )
    )
    session.flush()


def audit_entries(
    session: Session,
    *,
    actor: str | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """Newest first, filtered by actor ("alice" means "user:alice"), target and time."""
    query = select(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor == (actor if ":" in actor else f"user:{actor}"))
    if target_type == "member" and target_id is not None:  # the member's row and every row of theirs
        query = query.where(AuditEntry.member_id == target_id)
    else:
        if target_type:
            query = query.where(AuditEntry.target_type == target_type)
        if target_id is not None:
            query = query.where(AuditEntry.target_id == target_id)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    return list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all())
