"""Adding, listing and retiring a member's occasions ("no longer celebrate this", no reason asked)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from loyalty.core.clock import utcnow
from loyalty.core.errors import NotFound
from loyalty.core.zones import local_date
from loyalty.messaging import pass_updates
from loyalty.messaging.outbox import cancel_pending
from loyalty.models.members import Member
from loyalty.models.occasions import Occasion, OccasionStatus
from loyalty.occasions.parsing import date_text, validate_occasion
from loyalty.occasions.recurrence import next_occurrence
from loyalty.occasions.schemas import OccasionCreate, OccasionPublic
from loyalty.occasions.vocabulary import for_whom_addressed, for_whom_label


def add_occasion(session: Session, member_id: int, data: OccasionCreate, *, stated_by: str) -> Occasion:
    """Record an occasion the member stated (``stated_by`` "member" or "user:<username>")."""
    if session.get(Member, member_id) is None:
        raise NotFound("common.member_not_found", member_id=member_id)
    occasion = Occasion(member_id=member_id, stated_by=stated_by, **validate_occasion(data))
    session.add(occasion)
    session.flush()
    pass_updates.members_changed(session, [member_id])  # the wallet pass names the next occasion
    return occasion


def get_occasion(session: Session, occasion_id: int) -> Occasion:
    occasion = session.get(Occasion, occasion_id)
    if occasion is None:
        raise NotFound("common.occasion_not_found", occasion_id=occasion_id)
    return occasion


def list_occasions(session: Session, member_id: int, *, include_retired: bool = False) -> list[Occasion]:
    if session.get(Member, member_id) is None:
        raise NotFound("common.member_not_found", member_id=member_id)
    query = select(Occasion).where(Occasion.member_id == member_id)
    if not include_retired:
        query = query.where(Occasion.status == OccasionStatus.active)
    return list(session.exec(query.order_by(col(Occasion.month), col(Occasion.day), col(Occasion.id))))


def retire_occasion(
    session: Session, occasion_id: int, *, actor: str, now: datetime | None = None
) -> Occasion:
    """ "No longer celebrate this" (no reason asked). Cancels whatever was not yet sent for it.

    Retiring twice is harmless: the occasion keeps its first retirement time.
    """
    occasion = get_occasion(session, occasion_id)
    if occasion.status != OccasionStatus.retired:
        occasion.status = OccasionStatus.retired
        occasion.retired_at = now or utcnow()
        occasion.retired_by = actor
        session.add(occasion)
        session.flush()
    cancel_pending(session, member_id=occasion.member_id, occasion_id=occasion.id, reason="occasion retired")
    pass_updates.members_changed(session, [occasion.member_id])
    return occasion


def member_today(member: Member, now: datetime | None = None) -> date:
    """The member's own local date at ``now``."""
    return local_date(now or utcnow(), member.timezone)


def occasion_public(session: Session, occasion: Occasion, *, now: datetime | None = None) -> OccasionPublic:
    """The public view, with the next occurrence taken from the member's own today."""
    member = session.get(Member, occasion.member_id)
    assert member is not None and occasion.id is not None
    active = occasion.status == OccasionStatus.active
    return OccasionPublic(
        # the column holds the status as text (read back a str, not the enum the model declares)
        **occasion.model_dump(exclude={"status"}),
        status=OccasionStatus(occasion.status).value,
        date=date_text(occasion),
        for_whom_label=for_whom_label(occasion, member.locale),
        for_whom_addressed=for_whom_addressed(occasion, member.locale),
        next_occurrence=next_occurrence(occasion, member_today(member, now)) if active else None,
    )
