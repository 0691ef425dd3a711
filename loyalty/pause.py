"""Pausing all promotions for a member ("no reason asked"), optionally until a date.

The pause lives on ``members.paused`` / ``members.paused_until`` (``paused_until`` None with ``paused``
true is open-ended). Pausing, like retiring an occasion, cancels whatever was queued and not yet sent;
the sender re-checks :func:`is_paused` at send time too.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from loyalty.db import utcnow
from loyalty.errors import Invalid, NotFound
from loyalty.members import Member

log = logging.getLogger(__name__)


def cancel_unsent(session: Session, *, member_id: int, occasion_id: int | None = None, reason: str) -> int:
    """The one call site into the message queue: cancel the member's (or one occasion's) unsent messages."""
    from loyalty.messages import cancel_pending

    return cancel_pending(session, member_id=member_id, occasion_id=occasion_id, reason=reason)


def is_paused(member: Member, now: datetime) -> bool:
    if not member.paused:
        return False
    return member.paused_until is None or member.paused_until > now


def _member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"member {member_id} not found")
    return member


def _until_utc(member: Member, until: datetime | date) -> datetime:
    """A date means "until that day begins" in the member's zone; a naive datetime is member-local time."""
    zone = ZoneInfo(member.timezone)
    if not isinstance(until, datetime):
        until = datetime.combine(until, time(0, 0))
    if until.tzinfo is None:
        until = until.replace(tzinfo=zone)
    return until.astimezone(ZoneInfo("UTC"))


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
    member = _member(session, member_id)
    paused_until = _until_utc(member, until) if until is not None else None
    if paused_until is not None and paused_until <= now:
        raise Invalid("until", "until must be in the future / bitiş tarihi gelecekte olmalı")
    member.paused = True
    member.paused_until = paused_until
    session.add(member)
    session.flush()
    cancelled = cancel_unsent(session, member_id=member_id, reason="member paused promotions")
    log.info(
        "member %s paused until %s by %s (%s unsent cancelled)", member_id, paused_until, actor, cancelled
    )
    return member


def resume_promotions(session: Session, member_id: int, *, actor: str) -> Member:
    member = _member(session, member_id)
    member.paused = False
    member.paused_until = None
    session.add(member)
    session.flush()
    log.info("member %s resumed promotions by %s", member_id, actor)
    return member
