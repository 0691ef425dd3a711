"""What became of a message, in the words the results and a member's history use (issue 19 point 9).

``sent`` (sent or delivered), ``deferred`` (still waiting after quiet hours or the cap moved it: its events
say why and until when), ``dropped`` (it could not go in its time: the cap or quiet hours pushed it past its
date or expiry), ``cancelled`` (what it named or the member's choice stopped it: a replaced card, a used
coupon, a retired occasion, a pause, a withdrawn consent, an erasure), ``failed`` (the provider refused it),
else its state (``queued``, ``sending``). The reason is the message's ``error_message`` (cancelled, failed)
or its latest ``deferred`` event (without the instant)."""

from __future__ import annotations

from typing import Literal

from sqlmodel import Session, col, select

from loyalty.models.messages import MessageEvent, MessageState

Fate = Literal["sent", "deferred", "dropped", "cancelled", "failed", "queued", "sending"]

# reasons of a cancel that mean "no time left", not "nothing left to say"
DROPPED_MARKS = ("frequency cap", "not sent late", "expired before")
DEFERRED = "deferred"


def is_dropped(reason: str | None) -> bool:
    return any(mark in (reason or "") for mark in DROPPED_MARKS)


def fate_of(state: str, reason: str | None, deferred: bool) -> Fate:
    if state in (MessageState.sent, MessageState.delivered):
        return "sent"
    if state == MessageState.cancelled:
        return "dropped" if is_dropped(reason) else "cancelled"
    if state == MessageState.failed:
        return "failed"
    if state == MessageState.queued and deferred:
        return "deferred"
    return "sending" if state == MessageState.sending else "queued"


def deferred_reason(detail: str) -> str:
    """``frequency cap until 2027-05-17T06:00:00+00:00`` -> ``frequency cap``."""
    return detail.split(" until ", 1)[0]


def last_deferrals(session: Session, message_ids: list[int]) -> dict[int, str]:
    """The latest ``deferred`` event's detail of each message that has one."""
    if not message_ids:
        return {}
    rows = session.exec(
        select(MessageEvent.message_id, MessageEvent.detail)
        .where(col(MessageEvent.message_id).in_(message_ids), MessageEvent.state == DEFERRED)
        .order_by(col(MessageEvent.at), col(MessageEvent.id))
    ).all()
    return {message_id: detail for message_id, detail in rows}
