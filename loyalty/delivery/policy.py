"""Messaging policy, checked when a message is about to be sent (not only when it was scheduled).

In order: a stale message (past ``expires_at``) is cancelled; a message tied to a date (``send_by``: the end
of the occasion's or holiday's day, member-local) that can no longer go out by then is cancelled with that
reason, never sent late; a message naming something no longer valid (an erased member, a replaced card, a
redeemed or expired coupon, a retired occasion) is cancelled with that reason; a commercial message to a
paused member is cancelled;
the channel must be opted in and reachable (``preferred`` falls back to the member's other opted-in channel);
quiet hours (member-local, default 21:00-09:00) defer the message to the next allowed minute; the frequency
cap (default 2 per member per 7 days) defers a generic promotion until the window frees, or cancels it when
that would be past its deadline.

Personal before promotional: a ``personal`` message (what the member asked for: an occasion reminder, an
occasion coupon) is never deferred or dropped by the cap and does not use it up (issue 19); the cap counts
promotions delivered to the person: one coupon on SMS and e-mail is one. Transactional messages are
outside the cap altogether; a reply to the member's
own SMS (the opt-out confirmation) goes at once, to the number that wrote, whatever its consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.messaging.reach import (
    EMAIL_CONFIRMATION,
    REPLY_PURPOSES,
    choose_channel,
    is_paused,
    reply_reachable,
)
from loyalty.models.cards import Card, CardStatus
from loyalty.models.coupons import Coupon, CouponStatus
from loyalty.models.members import Channel, Member
from loyalty.models.messages import COMMERCIAL, Category, Message, MessageState
from loyalty.models.occasions import Occasion, OccasionStatus


@dataclass(frozen=True)
class Decision:
    action: Literal["send", "defer", "cancel"]
    channel: Channel | None = None
    until: datetime | None = None
    reason: str = ""


def next_allowed(now: datetime, zone: ZoneInfo, start: int, end: int) -> datetime:
    """``now`` itself outside quiet hours [start:00, end:00) local, else the next end:00 local (as UTC)."""
    if start == end:
        return now
    local = now.astimezone(zone)
    hour = local.hour
    quiet = (hour >= start or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return now
    day = local.date()
    if start > end and hour >= start:
        day += timedelta(days=1)
    resume = datetime.combine(day, time(end, 0), tzinfo=zone)
    return resume.astimezone(UTC)


def cap_frees_at(
    session: Session,
    member_id: int,
    now: datetime,
    *,
    cap: int,
    window: timedelta,
    exclude_id: int | None,
    coupon_id: int | None = None,
) -> datetime | None:
    """None when another promotion may go now, else the instant the rolling window frees.

    The cap counts promotions delivered to the person, not rows: the promotional messages claimed in the
    window, one per coupon (its SMS and its e-mail are one promotion, counted at the first of them);
    personal and transactional messages do not use it up. A message whose coupon already went out on the
    other channel is the same promotion: never held back by the cap."""
    query = select(Message.id, Message.coupon_id, Message.claimed_at).where(
        Message.member_id == member_id,
        sa.column("category") == Category.promotional.value,
        sa.column("state").in_([MessageState.sending, MessageState.sent, MessageState.delivered]),
        Message.claimed_at >= now - window,  # type: ignore[operator]
    )
    if exclude_id is not None:
        query = query.where(Message.id != exclude_id)
    first_of: dict[tuple[str, int], datetime] = {}
    for row_id, row_coupon, claimed in session.exec(query).all():
        if claimed is None:
            continue
        if coupon_id is not None and row_coupon == coupon_id:
            return None  # its twin on the other channel already counted this promotion
        key = ("coupon", row_coupon) if row_coupon is not None else ("message", row_id or 0)
        first_of[key] = min(claimed, first_of.get(key, claimed))
    recent = sorted(first_of.values())
    if len(recent) < cap:
        return None
    if cap == 0:
        return datetime.max.replace(tzinfo=UTC)
    return recent[len(recent) - cap] + window


def deadline(message: Message) -> datetime | None:
    """The first instant the message may no longer go out: its expiry or its date, whichever is first."""
    limits = [t for t in (message.expires_at, message.send_by) if t is not None]
    return min(limits) if limits else None


def too_late(message: Message, at: datetime) -> Decision | None:
    """A cancel decision when ``at`` is past the message's deadline, naming the date it was tied to."""
    if message.send_by is not None and at >= message.send_by:
        day = (message.context or {}).get("occasion_on") or (message.context or {}).get("holiday_on") or ""
        return Decision(
            "cancel", reason=f"tied to {day or 'its date'}: cannot go out before it, not sent late"
        )
    if message.expires_at is not None and at >= message.expires_at:
        return Decision("cancel", reason="expired before it could be sent")
    return None


def decide(session: Session, message: Message, member: Member, now: datetime, settings: Settings) -> Decision:
    late = too_late(message, now)
    if late is not None:
        return late
    if message.purpose in REPLY_PURPOSES and message.category == Category.transactional:
        if reply_reachable(member):  # an answer to the member's own SMS: now, whatever the consent
            return Decision("send", Channel.sms)
        return Decision("cancel", reason="no usable phone number for the reply")
    if message.purpose == EMAIL_CONFIRMATION and message.category == Category.transactional:
        return Decision("send", Channel.email)  # to the address it confirms (render.py), on request
    dead = dead_reference(session, message, member, now)
    if dead is not None:
        return Decision("cancel", reason=dead)
    commercial = message.category in COMMERCIAL
    if commercial and is_paused(member, now):
        return Decision("cancel", reason="member paused promotions")
    channel = choose_channel(member, message.requested_channel)
    if channel is None:
        return Decision("cancel", reason=f"no consent or address for {message.requested_channel}")
    zone = zone_of(member.timezone, settings.timezone)
    at = next_allowed(now, zone, settings.quiet_hours_start, settings.quiet_hours_end)
    if at > now:
        return too_late(message, at) or Decision("defer", channel, at, "quiet hours")
    if message.category == Category.promotional:
        frees = cap_frees_at(
            session,
            member.id or 0,
            now,
            cap=settings.frequency_cap,
            window=timedelta(days=settings.frequency_cap_days),
            exclude_id=message.id,
            coupon_id=message.coupon_id,
        )
        if frees is not None:
            limit = deadline(message)
            if limit is not None and frees >= limit:
                tied = message.send_by is not None and frees >= message.send_by
                late = too_late(message, frees) if tied else None
                reason = f"frequency cap: {late.reason}" if late else "frequency cap until it expires"
                return Decision("cancel", reason=reason)
            at = next_allowed(frees, zone, settings.quiet_hours_start, settings.quiet_hours_end)
            return too_late(message, at) or Decision("defer", channel, at, "frequency cap")
    return Decision("send", channel)


def dead_reference(session: Session, message: Message, member: Member, now: datetime) -> str | None:
    """Why the message must not go because what it names is no longer valid at its turn, else None: an
    erased member, a replaced (revoked, rejected) card, a redeemed, expired or cancelled coupon, a retired
    occasion. Nothing dead is sent (issue 19: a welcome naming a replaced card, a coupon already used)."""
    if member.erased_at is not None:
        return "member erased"
    if message.card_id is not None:
        card = session.get(Card, message.card_id)
        if card is None or card.status not in (CardStatus.active, CardStatus.pending_review):
            return f"card {card.status if card is not None else 'gone'}: it names a card no longer valid"
    if message.coupon_id is not None:
        coupon = session.get(Coupon, message.coupon_id)
        if coupon is None or coupon.status == CouponStatus.cancelled:
            return "coupon cancelled"
        if coupon.status == CouponStatus.redeemed:
            return "coupon already redeemed"
        if coupon.status == CouponStatus.expired or coupon.expires_at <= now:
            return "coupon expired"
    if message.occasion_id is not None and occasion_retired(session, message.occasion_id):
        return "occasion retired"
    return None


def occasion_retired(session: Session, occasion_id: int) -> bool:
    """True when the occasion was retired (or is gone)."""
    occasion = session.get(Occasion, occasion_id)
    return occasion is None or occasion.status == OccasionStatus.retired
