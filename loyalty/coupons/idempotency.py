"""``Idempotency-Key`` for redemptions: a retried request (a counter's flaky network) gets the first answer
back instead of a second attempt; keys are kept two days."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core import dialect
from loyalty.core.clock import utcnow
from loyalty.core.errors import Conflict, Invalid
from loyalty.models.idempotency import KEYS, MAX_KEY_LENGTH, IdempotencyKey

HEADER = "Idempotency-Key"


KEEP_FOR = timedelta(days=2)  # keys older than this are purged (a retry comes within minutes)


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: Any
    replayed: bool = False  # True when this is the stored answer of an earlier request


def fingerprint(scope: str, request: dict[str, Any]) -> str:
    """A stable hash of what the request asks (pass values already normalized: "100.00", not 100)."""
    canonical = json.dumps({"scope": scope, "request": request}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid(
            HEADER,
            "coupons.idempotency_key_invalid",
            header=HEADER,
            max_key_length=MAX_KEY_LENGTH,
        )
    return key


def _reserve(session: Session, *, key: str, user_id: int, scope: str, print_: str) -> IdempotencyKey | None:
    """Reserve the key: None when this request is the first, else the existing row (once its writer ended)."""
    insert = dialect.insert(session, KEYS)
    inserted = session.execute(
        insert.values(user_id=user_id, key=key, scope=scope, fingerprint=print_, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(KEYS.c.id)
    ).first()
    if inserted is not None:
        return None
    row = session.execute(
        sa.select(IdempotencyKey)
        .where(KEYS.c.user_id == user_id, KEYS.c.key == key)
        .execution_options(populate_existing=True)
    ).scalar_one()
    return row


def run_once(
    session: Session,
    *,
    key: str | None,
    user_id: int,
    scope: str,
    request: dict[str, Any],
    action: Callable[[], Answer],
) -> Answer:
    """Run ``action`` once per (user, key): a repeat with the same request returns the stored answer.

    Without a key the action simply runs. With one, the reservation, the action and the stored answer
    share a SAVEPOINT: an action that raises leaves the key free. Flushes; the caller commits."""
    if key is None:
        return action()
    key = check_key(key)
    print_ = fingerprint(scope, request)
    with session.begin_nested():
        earlier = _reserve(session, key=key, user_id=user_id, scope=scope, print_=print_)
        if earlier is None:
            answer = action()
            session.execute(
                sa.update(KEYS)
                .where(KEYS.c.user_id == user_id, KEYS.c.key == key)
                .values(status_code=answer.status_code, response=answer.body)
            )
            return answer
    if earlier.fingerprint != print_ or earlier.scope != scope:
        raise Invalid(HEADER, "coupons.was_already_used_different_request", header=HEADER)
    if earlier.status_code is None:
        raise Conflict("coupons.request_still_running_retry_moment", header=HEADER)
    return Answer(earlier.status_code, earlier.response, replayed=True)


def purge_keys(session: Session, now: datetime | None = None, keep_for: timedelta = KEEP_FOR) -> int:
    """Delete keys older than ``keep_for`` (a daily job); returns how many."""
    cutoff = (now or utcnow()) - keep_for
    result = session.execute(sa.delete(KEYS).where(KEYS.c.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
