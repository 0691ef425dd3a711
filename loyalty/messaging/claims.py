"""The message's life after queueing: handed out by the minute dispatcher, recovered after a dead worker's
lease, and recorded as sent or retried. Every change of state appends a ``message_events`` row."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, select

from loyalty.core import dialect, jobs
from loyalty.core.db import is_postgres
from loyalty.core.errors import NotFound
from loyalty.messaging.adapter import TransientSendError
from loyalty.messaging.outbox import SEND_TASK, record_events
from loyalty.models.coupons import COUPONS
from loyalty.models.messages import EVENTS, MESSAGES, Message, MessageEvent, MessageState

M = MESSAGES.c
SEND_BATCH_TASK = "workers.send_batch"  # many message ids: claimed, sent and recorded together


# forward-only order for provider callbacks; the three terminal states share the top rank
RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "failed": 3, "cancelled": 3}


def claim_due_messages(
    session: Session,
    now: datetime,
    *,
    limit: int = 500,
    redispatch_after: timedelta = timedelta(minutes=10),
    batch: int = 0,
) -> list[int]:
    """Mark up to ``limit`` due queued messages dispatched and return their ids (jobs follow the commit).

    PostgreSQL: FOR UPDATE SKIP LOCKED, so several dispatchers never hand out the same rows. SQLite has no
    row locks: the UPDATE runs under its single writer lock (one worker; documented in the README). A row
    dispatched long ago but still queued (a lost broker job) is handed out again; the claim in
    ``prepare_send`` makes that harmless. ``batch``: ids per send job (``workers.send_batch``); 0, one
    ``workers.send_message`` job per message."""
    due = (
        sa.select(M.id)
        .where(
            M.state == MessageState.queued.value,
            M.not_before <= now,
            sa.or_(M.dispatched_at.is_(None), M.dispatched_at < now - redispatch_after),
        )
        .order_by(M.not_before, M.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        sa.update(MESSAGES).where(M.id.in_(due.scalar_subquery())).values(dispatched_at=now).returning(M.id)
    )
    ids = sorted(row[0] for row in session.execute(stmt))
    if batch > 0:
        for start in range(0, len(ids), batch):
            jobs.defer(session, SEND_BATCH_TASK, ids[start : start + batch])
        return ids
    for message_id in ids:
        jobs.defer(session, SEND_TASK, message_id)
    return ids


def recover_stuck(session: Session, now: datetime, *, limit: int = 500) -> list[int]:
    """Messages left in ``sending`` past their lease (the worker died): back to queued, to be reconciled
    with the provider before any resend."""
    stuck = (
        sa.select(M.id)
        .where(M.state == MessageState.sending.value, M.lease_until < now)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        sa.update(MESSAGES)
        .where(M.id.in_(stuck.scalar_subquery()))
        .values(
            state=MessageState.queued.value,
            needs_reconcile=True,
            lease_until=None,
            claim_token=None,  # the old holder's renewal now fails: it skips the message
            dispatched_at=None,
            updated_at=now,
        )
        .returning(M.id)
    )
    ids = sorted(row[0] for row in session.execute(stmt))
    record_events(
        session, ids, MessageState.queued, "lease expired: reconcile with the provider before resending", now
    )
    return ids


def renew_claims(
    session: Session, claims: dict[int, str], now: datetime, lease: timedelta
) -> dict[int, datetime]:
    """The fence before provider calls: extend the leases of the claims (``{message_id: token}``) that
    are still these tokens' (still ``sending``, not recovered and re-claimed by another worker), in one
    statement. Returns ``{message_id: lease_until}`` of those held; the others must not be sent.

    The caller commits at once; each held message's call must then end before its ``lease_until`` by
    this clock (``workers.send_lanes`` renews again when it would not), and ``workers.checks``
    refuses settings whose provider timeout or batch could outlive the lease."""
    if not claims:
        return {}
    until = now + lease
    renewed = session.execute(
        sa.update(MESSAGES)
        .where(
            sa.tuple_(M.id, M.claim_token).in_(sorted(claims.items())),
            M.state == MessageState.sending.value,
        )
        .values(lease_until=until)
        .returning(M.id)
    )
    return {row[0]: until for row in renewed}


def holds_claim(session: Session, message_id: int, token: str | None) -> bool:
    """Whether ``token`` (None: any holder) still holds the message's claim; the row stays locked (on
    PostgreSQL; SQLite's write transaction holds its one lock) until the caller's commit."""
    if token is None:
        return True
    held = session.execute(
        sa.select(M.id)
        .where(M.id == message_id, M.state == MessageState.sending.value, M.claim_token == token)
        .with_for_update()
    ).first()
    return held is not None


def set_state(
    session: Session, message: Message, state: MessageState, detail: str, now: datetime, **values: Any
) -> None:
    message.state = state
    message.updated_at = now
    for key, value in values.items():
        setattr(message, key, value)
    session.add(message)
    session.flush()
    record_events(session, [message.id or 0], state, detail, now)


def load_message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id, populate_existing=True)
    if message is None:
        raise NotFound("messaging.message_not_found", message_id=message_id)
    return message


def record_sent_many(session: Session, sent: dict[int, tuple[str, str]], now: datetime) -> None:
    """The provider accepted these messages (``{message_id: (provider_id, detail)}``), forward only: those
    still before ``sent`` move to it, each with its event; those a provider callback already moved past it
    keep their state and gain only the send (one UPDATE, when there are some). The first provider id a
    message had stays. The statements are built once: this runs after every e-mail.

    PostgreSQL moves them and writes their events in one statement (an UPDATE ... RETURNING feeding the
    INSERT): a single statement is atomic on its own, so a worker may run it outside a transaction (one
    round trip, ``workers.send_lanes``). Elsewhere an UPDATE returning which moved, then one INSERT."""
    if not sent:
        return
    each = dialect.each_row(
        session,
        SENT_ROW,
        [
            {"id": i, "provider": provider, "detail": (detail or f"accepted as {provider}")[:500]}
            for i, (provider, detail) in sorted(sent.items())
        ],
    )
    statements = _sent_statements(each.arrays, is_postgres(session))
    moved = {row[0] for row in dialect.returning_each(session, statements.moved, each, {"m_now": now})}
    if statements.past is None:  # PostgreSQL: the one statement did it all
        return
    if len(moved) < len(sent):
        past = dialect.each_row(session, SENT_ROW, [row for row in each.rows if row["id"] not in moved])
        dialect.execute_each(session, statements.past, past, {"m_now": now})
    dialect.insert_each(
        session,
        EVENTS,
        [
            {"message_id": row["id"], "state": MessageState.sent.value, "detail": row["detail"], "at": now}
            for row in each.rows
            if row["id"] in moved
        ],
    )


SENT_ROW = {"id": M.id.type, "provider": M.provider_id.type, "detail": EVENTS.c.detail.type}
BEFORE_SENT = sorted(state for state, rank in RANK.items() if rank < RANK[MessageState.sent])


class SentStatements(NamedTuple):
    moved: Any  # the move to ``sent``, RETURNING the ids moved (PostgreSQL: all of the record, events too)
    past: Any | None  # the record of a send on a message already past ``sent`` (PostgreSQL: in ``moved``)


@cache
def _sent_statements(arrays: bool, postgres: bool) -> SentStatements:
    """``record_sent_many``'s statements for rows over arrays or as plain parameters."""
    each = dialect.EachRow(arrays, SENT_ROW, [])
    now = sa.bindparam("m_now", type_=M.sent_at.type)
    # one comparison per state, not IN: an expanding IN cannot run once per row (SQLite's executemany)
    before_sent = sa.or_(*(M.state == state for state in BEFORE_SENT))
    common = {
        "provider_id": sa.func.coalesce(M.provider_id, each.col("provider")),
        "needs_reconcile": False,
        "lease_until": None,
    }
    moved = (
        sa.update(MESSAGES)
        .where(M.id == each.col("id"), before_sent)
        .values(state=MessageState.sent.value, sent_at=now, updated_at=now, **common)
    )
    past = (
        sa.update(MESSAGES)
        .where(M.id == each.col("id"), sa.not_(before_sent))
        .values(sent_at=sa.func.coalesce(M.sent_at, now), **common)
    )
    if not postgres:  # SQLite has no UPDATE inside a WITH
        return SentStatements(moved.returning(M.id), past)
    # one statement: the two UPDATEs (disjoint rows) and the moved rows' events, atomic by itself
    detail = sa.cast(each.col("detail"), EVENTS.c.detail.type).label("detail")
    went = moved.returning(M.id, detail).cte("went")
    sent_state = sa.literal(MessageState.sent.value, EVENTS.c.state.type)
    events = (
        sa.insert(EVENTS)
        .from_select(
            ["message_id", "state", "detail", "at"], sa.select(went.c.id, sent_state, went.c.detail, now)
        )
        .returning(EVENTS.c.message_id)
        .add_cte(past.returning(M.id).cte("past"))  # run although nothing reads it
    )
    return SentStatements(events, None)


def record_retry(
    session: Session,
    message_id: int,
    now: datetime,
    error: TransientSendError,
    retry_at: datetime,
    *,
    token: str | None = None,
) -> bool:
    """A transient failure: back to queued for ``retry_at`` (the Celery retry is already scheduled).
    Only while ``token`` still holds the claim; False when another claim took over (nothing changes)."""
    if not holds_claim(session, message_id, token):
        return False
    message = load_message(session, message_id)
    if message.state != MessageState.sending:
        return False
    set_state(
        session,
        message,
        MessageState.queued,
        f"retry at {retry_at.isoformat()}: {error}",
        now,
        not_before=retry_at,
        dispatched_at=retry_at,
        lease_until=None,
        needs_reconcile=message.needs_reconcile or error.uncertain,
        error_code=error.code,
        error_message=str(error)[:500],
    )
    return True


OUTAGE = "outage"  # error_code of a message given up at the retry window, not at its own deadline


def retry_deadline(session: Session, message_id: int, window: timedelta) -> tuple[datetime, bool]:
    """Until when a transient failure is retried: the earliest of the message's send-by, its expiry, its
    coupon's end, and ``window`` after it was queued. Second value: whether that is the message's own
    deadline (False: the window's, after which a provider outage that ends re-queues it)."""
    message = load_message(session, message_id)
    own = [t for t in (message.send_by, message.expires_at) if t is not None]
    if message.coupon_id is not None:
        ends = session.execute(
            sa.select(COUPONS.c.expires_at).where(COUPONS.c.id == message.coupon_id)
        ).scalar_one_or_none()
        if ends is not None:
            own.append(ends)
    by_window = message.created_at + window
    if own and min(own) <= by_window:
        return min(own), True
    return by_window, False


def requeue_after_outage(session: Session, now: datetime, *, limit: int = 5000) -> list[int]:
    """Messages given up at the retry window (``OUTAGE``) go back to queued once their channel's provider
    accepts messages again (something on that channel was sent after they failed), while their own
    deadline has not passed. Reconciled with the provider first, like any interrupted attempt."""
    later = MESSAGES.alias("later")
    stuck = (
        sa.select(M.id)
        .where(
            M.state == MessageState.failed.value,
            M.error_code == OUTAGE,
            sa.or_(M.send_by.is_(None), M.send_by > now),
            sa.or_(M.expires_at.is_(None), M.expires_at > now),
            sa.exists().where(later.c.channel == M.channel, later.c.sent_at > M.updated_at),
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = sorted(
        row[0]
        for row in session.execute(
            sa.update(MESSAGES)
            .where(M.id.in_(stuck.scalar_subquery()))
            .values(
                state=MessageState.queued.value,
                not_before=now,
                dispatched_at=None,
                needs_reconcile=True,
                error_code=None,
                updated_at=now,
            )
            .returning(M.id)
        )
    )
    record_events(session, ids, MessageState.queued, "re-queued: the provider accepts messages again", now)
    return ids


def reconcile_after_restore(session: Session, backup_at: datetime, now: datetime) -> list[int]:
    """After restoring a backup taken at ``backup_at``: every message the backup shows as not yet sent
    (queued, or in ``sending``) may have reached the provider since. Each goes back to queued with
    ``needs_reconcile`` and its first claim no later than ``backup_at``, so its next attempt first asks
    the provider for a message with its text to its address since then (minus the adapter's margin) and
    records that instead of sending again. Returns their ids; appends an event to each."""
    stmt = (
        sa.update(MESSAGES)
        .where(M.state.in_([MessageState.queued.value, MessageState.sending.value]))
        .values(
            state=MessageState.queued.value,
            needs_reconcile=True,
            first_claimed_at=sa.case(
                (M.first_claimed_at.is_(None), backup_at),
                (M.first_claimed_at > backup_at, backup_at),
                else_=M.first_claimed_at,
            ),
            lease_until=None,
            claim_token=None,
            dispatched_at=None,
            updated_at=now,
        )
        .returning(M.id)
    )
    ids = sorted(row[0] for row in session.execute(stmt))
    when = backup_at.isoformat(timespec="seconds")
    record_events(
        session, ids, MessageState.queued, f"restored from a backup of {when}: ask the provider first", now
    )
    return ids


def ask_provider_first(session: Session, run_id: int, since: datetime, now: datetime) -> list[int]:
    """The not yet attempted messages of a campaign run made again after a restore: each asks the provider
    for what it accepted since ``since`` (the backup's time) before sending. Returns their ids."""
    ids = sorted(
        row[0]
        for row in session.execute(
            sa.update(MESSAGES)
            .where(M.run_id == run_id, M.state == MessageState.queued.value, M.first_claimed_at.is_(None))
            .values(needs_reconcile=True, first_claimed_at=since, updated_at=now)
            .returning(M.id)
        )
    )
    when = since.isoformat(timespec="seconds")
    record_events(
        session,
        ids,
        MessageState.queued,
        f"run made again after a restore of {when}: ask the provider first",
        now,
    )
    return ids


def message_history(session: Session, message_id: int) -> list[MessageEvent]:
    return list(
        session.exec(select(MessageEvent).where(MessageEvent.message_id == message_id).order_by(EVENTS.c.id))
    )
