"""Saved segments: a named audience filter, counted live and reused by campaigns (``{"segment_id": N}``).

A campaign built on a segment keeps the segment's id and a copy of its filter in ``audience`` (what the
run reads). Changing a segment re-copies its filter into every campaign that has not run yet (draft or
scheduled), so such a campaign reaches the segment as it is when it runs; a campaign already running or done
keeps the audience it ran with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.campaigns.audience import AudienceFilter, audience_select
from loyalty.campaigns.schemas import AudienceCount, SegmentIn, SegmentPatch, SegmentPublic
from loyalty.core.clock import utcnow
from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.models.campaigns import Campaign, CampaignStatus
from loyalty.models.segments import Segment

NOT_YET_RUN = (CampaignStatus.draft.value, CampaignStatus.scheduled.value)


def count_audience(
    session: Session,
    filters: AudienceFilter | dict[str, Any],
    *,
    channel: str,
    lapsed_days: int,
    now: datetime | None = None,
) -> AudienceCount:
    """How many members ``filters`` reaches now, per channel: the campaign run's own audience select, with
    the shop's lapse window (``LOYALTY_LAPSED_DAYS``) as a run applies it. A member reached on both
    channels (``channel: both``) counts once in the total and once on each channel."""
    now = now or utcnow()
    sub = (
        audience_select(filters, channel=channel, now=now, lapsed_default=lapsed_days)
        .order_by(None)
        .subquery()
    )
    by_channel = {
        str(resolved): int(n)
        for resolved, n in session.execute(sa.select(sub.c.channel, sa.func.count()).group_by(sub.c.channel))
    }
    both = by_channel.get("both", 0)
    return AudienceCount(
        total=sum(by_channel.values()),
        sms=by_channel.get("sms", 0) + both,
        email=by_channel.get("email", 0) + both,
    )


def _name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name or len(name) > 120:
        raise Invalid("name", "campaigns.name_required_most_120_characters")
    return name


def _unique(session: Session, name: str, segment_id: int | None) -> None:
    found = session.exec(select(Segment).where(col(Segment.name) == name)).first()
    if found is not None and found.id != segment_id:
        raise Conflict("campaigns.segment_named_exists", name=repr(name), extra={"segment_id": found.id})


def get_segment(session: Session, segment_id: int) -> Segment:
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound("campaigns.segment_not_found", segment_id=segment_id)
    return segment


def list_segments(session: Session) -> list[Segment]:
    return list(session.exec(select(Segment).order_by(col(Segment.name))))


def create_segment(session: Session, data: SegmentIn, *, actor: str, now: datetime | None = None) -> Segment:
    now = now or utcnow()
    name = _name(data.name)
    _unique(session, name, None)
    segment = Segment(
        name=name,
        filter=data.filter.model_dump(mode="json", exclude_defaults=True),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(segment)
    session.flush()
    return segment


def update_segment(
    session: Session, segment_id: int, data: SegmentPatch, *, now: datetime | None = None
) -> Segment:
    """Rename or change the filter; campaigns on it that have not run yet follow the new filter."""
    now = now or utcnow()
    segment = get_segment(session, segment_id)
    if data.name is not None:
        name = _name(data.name)
        _unique(session, name, segment_id)
        segment.name = name
    if data.filter is not None:
        segment.filter = data.filter.model_dump(mode="json", exclude_defaults=True)
        session.execute(
            sa.update(Campaign)
            .where(col(Campaign.segment_id) == segment_id, col(Campaign.status).in_(NOT_YET_RUN))
            .values(audience=segment.filter, updated_at=now)
        )
    segment.updated_at = now
    session.add(segment)
    session.flush()
    return segment


def delete_segment(session: Session, segment_id: int) -> None:
    """Refused (409) while a campaign that has not run yet uses it; campaigns that ran keep their copy."""
    segment = get_segment(session, segment_id)
    waiting = campaigns_using(session, segment_id, NOT_YET_RUN)
    if waiting:
        raise Conflict(
            "campaigns.campaigns_run_yet_use_segment",
            extra={"campaigns": ", ".join(str(i) for i in waiting)},
        )
    session.execute(sa.update(Campaign).where(col(Campaign.segment_id) == segment_id).values(segment_id=None))
    session.delete(segment)
    session.flush()


def campaigns_using(session: Session, segment_id: int, statuses: tuple[str, ...] | None = None) -> list[int]:
    query = select(Campaign.id).where(col(Campaign.segment_id) == segment_id).order_by(col(Campaign.id))
    if statuses is not None:
        query = query.where(col(Campaign.status).in_(statuses))
    return [int(i) for i in session.exec(query) if i is not None]


def segment_public(
    session: Session, segment: Segment, *, lapsed_days: int, now: datetime | None = None
) -> SegmentPublic:
    return SegmentPublic(
        id=segment.id or 0,
        name=segment.name,
        filter=segment.filter,
        members=count_audience(
            session, segment.filter, channel="preferred", lapsed_days=lapsed_days, now=now
        ),
        campaigns=campaigns_using(session, segment.id or 0),
        created_by=segment.created_by,
        created_at=segment.created_at,
        updated_at=segment.updated_at,
    )
