"""What happened at the provider, recorded: a permanent failure, a delivery report, and what the member's
record learns from a refusal (the number is invalid, or the member opted out at the provider).

Provider vocabularies (Twilio's status names and error codes) stay in ``workers/channels``: they arrive
here already mapped to a ``MessageState`` and an effect."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from loyalty.core.clock import utcnow
from loyalty.members.consent import record_consent
from loyalty.messaging.adapter import SendError
from loyalty.messaging.claims import RANK, holds_claim, load_message, set_state
from loyalty.models.members import Channel, Member
from loyalty.models.messages import Message, MessageState


def record_failure(
    session: Session, message_id: int, now: datetime, error: SendError, *, token: str | None = None
) -> bool:
    """A permanent failure: the message fails, and the member's record learns from its effect. With a
    claim ``token``: only while that claim still holds (False, nothing changes, when it was taken over)."""
    if not holds_claim(session, message_id, token):
        return False
    message = load_message(session, message_id)
    set_state(
        session,
        message,
        MessageState.failed,
        f"{error.code or ''} {error}".strip(),
        now,
        lease_until=None,
        error_code=error.code,
        error_message=str(error)[:500],
    )
    learn_from_refusal(session, message.member_id, getattr(error, "effect", None), now)
    return True


def learn_from_refusal(
    session: Session, member_id: int | None, effect: str | None, now: datetime, actor: str = "twilio"
) -> None:
    """What the member's record learns from a provider's refusal: the number is invalid, or opted out
    (nothing for a test send, which has no member)."""
    member = session.get(Member, member_id) if effect and member_id is not None else None
    if member is None:
        return
    if effect == "invalid_phone":
        member.phone_valid = False
        session.add(member)
        session.flush()
    elif effect == "opted_out":
        record_consent(session, member, Channel.sms, False, source="sms provider", actor=actor, now=now)


def apply_provider_status(
    session: Session,
    *,
    provider_id: str,
    state: MessageState | None,
    provider_status: str,
    message_id: int | None = None,
    error_code: str | None = None,
    effect: str | None = None,
    now: datetime | None = None,
    actor: str = "twilio",
) -> bool:
    """A delivery report (``state``: the provider's status mapped by the channel; None for one that moves
    nothing, like "queued"): moves the message forward only (repeats and late arrivals change nothing).

    Found by the provider id, or by our own id carried in the callback URL (which also rescues a message
    whose worker died after the provider accepted it). Returns whether anything changed."""
    now = now or utcnow()
    message = session.exec(select(Message).where(Message.provider_id == provider_id)).first()
    if message is None and message_id is not None:
        message = session.get(Message, message_id)
    if message is None:
        return False
    changed = False
    if message.provider_id is None:
        message.provider_id = provider_id
        message.needs_reconcile = False
        changed = True
    target = state
    if target is not None and RANK[target] > RANK[message.state]:
        values: dict[str, Any] = {"provider_status": provider_status, "lease_until": None}
        if target == MessageState.delivered:
            values["delivered_at"] = now
        if RANK[message.state] < RANK[MessageState.sent]:
            values["sent_at"] = now
        if target == MessageState.failed:
            values["error_code"] = error_code
        set_state(session, message, target, f"provider status {provider_status}", now, **values)
        if target == MessageState.failed and message.channel == Channel.sms:
            learn_from_refusal(session, message.member_id, effect, now, actor)
        return True
    if changed:
        session.add(message)
        session.flush()
    return changed
