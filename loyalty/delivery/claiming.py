"""Claiming a message for sending: re-check it, apply the policy, render it, and mark it ``sending`` with
``UPDATE ... WHERE state='queued' RETURNING`` before any provider is called.

Each claim draws a fresh token and a lease (the fence): the worker calls the provider only while that
lease covers the call, renewing it with the token first when it would not (``messaging.claims.renew_claims``,
``workers.send_lanes``), so a claim recovered after its lease and taken by another worker is never sent by
the first one too."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.core import dialect
from loyalty.core.settings import Settings
from loyalty.delivery.policy import decide
from loyalty.delivery.render import Known, look_up, render_outgoing, render_test
from loyalty.messaging.adapter import Outgoing
from loyalty.messaging.claims import M, set_state
from loyalty.messaging.outbox import record_events
from loyalty.models.cards import Card
from loyalty.models.coupons import Coupon
from loyalty.models.members import Member
from loyalty.models.messages import EVENTS, MESSAGES, Category, Message, MessageState
from loyalty.models.occasions import Occasion
from loyalty.wallet import announce

log = logging.getLogger(__name__)


@dataclass
class Batch:
    """A batch's locked rows and its claims not yet written (``claim_pending`` writes them)."""

    messages: dict[int, Message]
    members: dict[int, Member]
    pending: list[tuple[Message, Outgoing]] = field(default_factory=list)
    named: list[Any] = field(default_factory=list)  # the cards, coupons and occasions the messages name
    known: Known = field(default_factory=Known)  # the link keys and recipient types, looked up at once


def lock_batch(session: Session, message_ids: list[int], settings: Settings) -> Batch:
    """The row locks ``prepare_send`` takes, for many messages in two statements: the still-queued
    messages (skipping those another worker holds), then their members in id order (so two batches
    never wait on each other in a cycle); and what rendering them looks up (their page links, made if
    missing, and recipient types), at once."""
    # by key alone, the state checked on the rows found: with ``AND state = 'queued'`` the planner may
    # AND in the state index, whose 'queued' entries a send burst leaves by the hundred thousand (each
    # claim makes a new row version); a row no longer queued is only held until this transaction ends
    messages = {
        m.id or 0: m
        for m in session.exec(
            select(Message).where(col(Message.id).in_(message_ids)).with_for_update(skip_locked=True)
        )
        if m.state == MessageState.queued
    }
    member_ids = sorted({m.member_id for m in messages.values() if m.member_id is not None})
    members = {
        m.id or 0: m
        for m in session.exec(
            select(Member).where(col(Member.id).in_(member_ids)).order_by(col(Member.id)).with_for_update()
        )
    }
    pairs = [(m, members[m.member_id]) for m in messages.values() if m.member_id in members]
    return Batch(
        messages,
        members,
        named=_named(session, list(messages.values())),
        known=look_up(session, pairs, settings),
    )


def _named(session: Session, messages: list[Message]) -> list[Any]:
    """What the messages name, one statement per kind: held by the batch, so the policy's checks of them
    (``session.get``) find them in the session instead of asking the database once per message."""
    out: list[Any] = []
    for model, key in ((Card, "card_id"), (Coupon, "coupon_id"), (Occasion, "occasion_id")):
        ids = sorted({value for m in messages if (value := getattr(m, key)) is not None})
        if ids:
            query = select(model).where(col(model.id).in_(ids)).execution_options(populate_existing=True)
            out.extend(session.exec(query))
    return out


def claim_pending(session: Session, batch: Batch, now: datetime, settings: Settings) -> list[Outgoing]:
    """Write a batch's claims: one UPDATE of them all (the rows are locked by this transaction, on SQLite
    by its write lock, so each ``WHERE state='queued'`` holds) and one INSERT of their events."""
    pending, batch.pending = batch.pending, []
    if not pending:
        return []
    lease_until = now + timedelta(seconds=settings.message_lease_seconds)
    each = dialect.each_row(
        session,
        {
            "id": M.id.type,
            "first": M.first_claimed_at.type,
            "to": M.to_address.type,
            "token": M.claim_token.type,
        },
        [
            {"id": message.id, "first": out.first_claimed_at, "to": out.to, "token": out.claim_token}
            for message, out in pending
        ],
    )
    claimed = dialect.execute_each(
        session,
        sa.update(MESSAGES)
        .where(M.id == each.col("id"), M.state == MessageState.queued.value)
        .values(
            state=MessageState.sending.value,
            attempts=M.attempts + 1,
            claimed_at=now,
            first_claimed_at=each.col("first"),
            lease_until=lease_until,
            to_address=each.col("to"),
            claim_token=each.col("token"),
            updated_at=now,
        ),
        each,
    )
    if claimed != len(pending):  # cannot happen under the locks: refuse the batch rather than guess
        raise RuntimeError(f"claimed {claimed} of {len(pending)} locked messages")
    events = [
        {
            "message_id": m.id,
            "state": MessageState.sending.value,
            "detail": f"attempt to {o.to}"[:500],
            "at": now,
        }
        for m, o in pending
    ]
    dialect.insert_each(session, EVENTS, events)
    for message, _ in pending:
        session.expire(message)
    return [out for _, out in pending]


def prepare_send(
    session: Session, message_id: int, now: datetime, settings: Settings, *, batch: Batch | None = None
) -> Outgoing | None:
    """Re-check a message and claim it for sending; None when there is nothing to send now.

    Locks the message (skipping it when another worker holds it) and, for a promotional one, the member
    (so two workers cannot both pass the frequency cap), applies the policy, renders the content and claims
    the row with ``UPDATE ... WHERE state='queued' RETURNING``. The caller commits before calling the
    provider. ``batch``: the rows ``lock_batch`` locked in this transaction; the claim then joins the
    batch's pending claims (written by ``claim_pending``, which the caller runs before its commit) and
    the Outgoing is returned for it."""
    message = (
        batch.messages.get(message_id)
        if batch is not None
        else session.exec(
            select(Message)
            .where(Message.id == message_id, Message.state == MessageState.queued)
            .with_for_update(skip_locked=True)
        ).first()
    )
    if message is None or message.not_before > now + timedelta(seconds=5):
        return None
    if message.member_id is None:  # a campaign's test send: no member, so no consent, pause or cap
        if message.expires_at is not None and now >= message.expires_at:
            set_state(session, message, MessageState.cancelled, "expired before it could be sent", now)
            return None
        return _claim(session, message, render_test(message, settings), now, settings, batch)
    member = batch.members.get(message.member_id) if batch is not None else None
    if member is None:
        member = session.exec(
            select(Member).where(Member.id == message.member_id).with_for_update(of=Member)
        ).one()
    if batch is not None and message.category == Category.promotional:
        claim_pending(session, batch, now, settings)  # the frequency cap counts this batch's claims
    decision = decide(session, message, member, now, settings)
    if decision.action == "cancel":
        set_state(
            session, message, MessageState.cancelled, decision.reason, now, error_message=decision.reason
        )
        announce.coupon_message_cancelled(session, message, now)  # the pass lists it, silently
        return None
    if decision.action == "defer":
        assert decision.until is not None
        message.not_before = decision.until
        message.dispatched_at = None
        message.updated_at = now
        session.add(message)
        record_events(
            session, [message_id], "deferred", f"{decision.reason} until {decision.until.isoformat()}", now
        )
        session.flush()
        return None
    assert decision.channel is not None
    if decision.channel != message.channel:
        taken = session.exec(
            select(Message.id).where(
                Message.channel == decision.channel, Message.dedupe_key == message.dedupe_key
            )
        ).first()
        if taken is not None:
            set_state(session, message, MessageState.cancelled, "already queued on the other channel", now)
            return None
        message.channel = decision.channel
        session.add(message)
        session.flush()
    try:
        known = batch.known if batch is not None else None
        outgoing = render_outgoing(session, message, member, decision.channel, settings, known)
    except Exception as exc:  # a broken template must not loop forever
        log.exception("rendering message %s failed", message_id)
        set_state(session, message, MessageState.failed, f"render: {exc}", now, error_message=str(exc)[:500])
        return None
    claimed = _claim(session, message, outgoing, now, settings, batch)
    if claimed is not None:
        announce.coupon_message_claimed(session, message, now)  # the coupon on the pass's lock screen
    return claimed


def _claim(
    session: Session,
    message: Message,
    outgoing: Outgoing,
    now: datetime,
    settings: Settings,
    batch: Batch | None = None,
) -> Outgoing | None:
    """``UPDATE ... WHERE state='queued' RETURNING``: the one claim before the provider is called."""
    message_id = message.id or 0
    first = message.first_claimed_at or now
    token = new_token()
    claimed_out = Outgoing(**{**outgoing.__dict__, "first_claimed_at": first, "claim_token": token})
    if batch is not None:
        batch.pending.append((message, claimed_out))
        return claimed_out
    claimed = session.execute(
        sa.update(MESSAGES)
        .where(M.id == message_id, M.state == MessageState.queued.value)
        .values(
            state=MessageState.sending.value,
            attempts=M.attempts + 1,
            claimed_at=now,
            first_claimed_at=first,
            lease_until=now + timedelta(seconds=settings.message_lease_seconds),
            to_address=outgoing.to,
            claim_token=token,
            updated_at=now,
        )
        .returning(M.id)
    ).first()
    if claimed is None:
        return None
    record_events(session, [message_id], MessageState.sending, f"attempt to {outgoing.to}", now)
    session.expire(message)
    return claimed_out


def new_token() -> str:
    return secrets.token_hex(16)
