"""Pausing all promotions for a member ("no reason asked"), optionally until a date. Pausing cancels
whatever was queued and not yet sent; the sender re-checks the pause at send time too
(loyalty.messaging.reach)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.core.errors import Invalid
from loyalty.core.zones import end_of_day, local_instant
from loyalty.members.registration import get_member
from loyalty.messaging.outbox import cancel_pending
from loyalty.models.members import Member

log = logging.getLogger(__name__)


def _until_utc(member: Member, until: datetime | date) -> datetime:
    """A date is the last paused day, as a person means "until 15.01.2027": the pause ends when the next day
    begins in the member's zone. A naive datetime is member-local time."""
    if not isinstance(until, datetime):
        return end_of_day(until, member.timezone)
    if until.tzinfo is None:
        return local_instant(until.date(), until.time(), member.timezone)
    return until.astimezone(UTC)


def pause_promotions(
    session: Session,
    member_id: int,
    *,
    until: datetime | date | None,
    actor: str,
    now: datetime | None = None,
) -> Member:
    """Pause every promotional message to the member (until ``until``, or until resumed)."""
    now = now or utcnow()
    member = get_member(session, member_id)
    paused_until = _until_utc(member, until) if until is not None else None
    if paused_until is not None and paused_until <= now:
        raise Invalid("until", "members.until_future")
    member.paused = True
    member.paused_until = paused_until
    session.add(member)
    session.flush()
    cancelled = cancel_pending(session, member_id=member_id, reason="member paused promotions")
    log.info(
        "member %s paused until %s by %s (%s unsent cancelled)", member_id, paused_until, actor, cancelled
    )
    return member


def resume_promotions(session: Session, member_id: int, *, actor: str) -> Member:
    member = get_member(session, member_id)
    member.paused = False
    member.paused_until = None
    session.add(member)
    session.flush()
    log.info("member %s resumed promotions by %s", member_id, actor)
    return member
