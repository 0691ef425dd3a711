"""Saved segments (marketing and admin): a named audience filter, its live count, reused by campaigns."""

from __future__ import annotations

from fastapi import Response, status

from api.deps import IdPath, MarketingUser, SessionDep, SettingsDep
from api.routing import api_router
from loyalty.campaigns import segments
from loyalty.campaigns.schemas import AudienceCount, CountRequest, SegmentIn, SegmentPatch, SegmentPublic

router = api_router(tags=["segments"])


@router.get("/segments", response_model=list[SegmentPublic])
def list_segments(session: SessionDep, settings: SettingsDep, _user: MarketingUser) -> list[SegmentPublic]:
    return [
        segments.segment_public(session, s, lapsed_days=settings.lapsed_days)
        for s in segments.list_segments(session)
    ]


@router.post("/segments", status_code=status.HTTP_201_CREATED, response_model=SegmentPublic)
def create_segment(
    data: SegmentIn, session: SessionDep, settings: SettingsDep, user: MarketingUser
) -> SegmentPublic:
    segment = segments.create_segment(session, data, actor=f"user:{user.username}")
    view = segments.segment_public(session, segment, lapsed_days=settings.lapsed_days)
    session.commit()
    return view


@router.post("/segments/count", response_model=AudienceCount)
def count_audience(
    data: CountRequest, session: SessionDep, settings: SettingsDep, _user: MarketingUser
) -> AudienceCount:
    """How many members a filter reaches now on a channel (the page's live count as filters change)."""
    return segments.count_audience(
        session, data.filter, channel=data.channel, lapsed_days=settings.lapsed_days
    )


@router.get("/segments/{segment_id}", response_model=SegmentPublic)
def show_segment(
    segment_id: IdPath, session: SessionDep, settings: SettingsDep, _user: MarketingUser
) -> SegmentPublic:
    return segments.segment_public(
        session, segments.get_segment(session, segment_id), lapsed_days=settings.lapsed_days
    )


@router.patch("/segments/{segment_id}", response_model=SegmentPublic)
def update_segment(
    segment_id: IdPath, data: SegmentPatch, session: SessionDep, settings: SettingsDep, _user: MarketingUser
) -> SegmentPublic:
    """Campaigns on the segment that have not run yet follow its new filter."""
    segment = segments.update_segment(session, segment_id, data)
    view = segments.segment_public(session, segment, lapsed_days=settings.lapsed_days)
    session.commit()
    return view


@router.delete("/segments/{segment_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_segment(segment_id: IdPath, session: SessionDep, _user: MarketingUser) -> Response:
    """409 while a campaign that has not run yet uses it."""
    segments.delete_segment(session, segment_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
