"""Messaging policy, checked when a message is about to be sent (not only when it was scheduled).

In order: a stale message (past ``expires_at``) is cancelled; a promotional message to a paused member or
about a retired occasion is cancelled; the channel must be opted in and reachable (``preferred`` falls back
to the member's other opted-in channel); quiet hours (member-local, default 21:00-09:00) defer the message
to the next allowed minute; the frequency cap (default 2 promotional messages per member per 7 days,
transactional messages exempt) defers it until the window frees, or cancels it when that would be past its
``expires_at``.
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
from loyalty.messaging.reach import choose_channel, is_paused
from loyalty.models.members import Channel, Member
from loyalty.models.messages import Category, Message, MessageState
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
    session: Session, member_id: int, now: datetime, *, cap: int, window: timedelta, exclude_id: int | None
) -> datetime | None:
    """None when another promotional message may go now, else the instant the rolling window frees."""
    query = (
        select(Message.claimed_at)
        .where(
            Message.member_id == member_id,
            Message.category == Category.promotional,
            sa.column("state").in_([MessageState.sending, MessageState.sent, MessageState.delivered]),
            Message.claimed_at >= now - window,  # type: ignore[operator]
        )
        .order_by(Message.claimed_at)  # type: ignore[arg-type]
    )
    if exclude_id is not None:
        query = query.where(Message.id != exclude_id)
    recent = [t for t in session.exec(query).all() if t is not None]
    if len(recent) < cap:
        return None
    if cap == 0:
        return datetime.max.replace(tzinfo=UTC)
    return recent[len(recent) - cap] + window


def decide(session: Session, message: Message, member: Member, now: datetime, settings: Settings) -> Decision:
    if message.expires_at is not None and now >= message.expires_at:
        return Decision("cancel", reason="expired before it could be sent")
    promotional = message.category == Category.promotional
    if promotional and is_paused(member, now):
        return Decision("cancel", reason="member paused promotions")
    if message.occasion_id is not None and occasion_retired(session, message.occasion_id):
        return Decision("cancel", reason="occasion retired")
    channel = choose_channel(member, message.requested_channel)
    if channel is None:
        return Decision("cancel", reason=f"no consent or address for {message.requested_channel}")
    zone = zone_of(member.timezone, settings.timezone)
    at = next_allowed(now, zone, settings.quiet_hours_start, settings.quiet_hours_end)
    if at > now:
        return Decision("defer", channel, at, "quiet hours")
    if promotional:
        frees = cap_frees_at(
            session,
            member.id or 0,
            now,
            cap=settings.frequency_cap,
            window=timedelta(days=settings.frequency_cap_days),
            exclude_id=message.id,
        )
        if frees is not None:
            if message.expires_at is not None and frees >= message.expires_at:
                return Decision("cancel", reason="frequency cap until it expires")
            at = next_allowed(frees, zone, settings.quiet_hours_start, settings.quiet_hours_end)
            return Decision("defer", channel, at, "frequency cap")
    return Decision("send", channel)


def occasion_retired(session: Session, occasion_id: int) -> bool:
    """True when the occasion was retired (or is gone)."""
    occasion = session.get(Occasion, occasion_id)
    return occasion is None or occasion.status == OccasionStatus.retired
