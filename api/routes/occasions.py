"""Occasions a member stated (with their purpose), the upcoming list, and pausing promotions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from api.deps import AnyUser, IdPath, LangDep, SessionDep, SettingsDep, StaffUser
from api.routing import api_router
from loyalty.campaigns.occasion_preview import preview_occasion
from loyalty.campaigns.schemas import OccasionPreview
from loyalty.members.pause import pause_promotions, resume_promotions
from loyalty.members.schemas import PauseRequest, PauseState
from loyalty.occasions import registry
from loyalty.occasions.registry import occasion_public
from loyalty.occasions.schemas import OccasionCreate, OccasionPublic
from loyalty.occasions.windows import UpcomingOccasion, upcoming_occasions

router = api_router(tags=["occasions"])


def _actor(user: StaffUser | AnyUser) -> str:
    return f"user:{user.username}"


@router.post(
    "/members/{member_id}/occasions", status_code=status.HTTP_201_CREATED, response_model=OccasionPublic
)
def add_occasion(
    member_id: IdPath, data: OccasionCreate, session: SessionDep, user: StaffUser
) -> OccasionPublic:
    """Staff record an occasion on the member's word (``stated_by`` = ``user:<username>``)."""
    occasion = registry.add_occasion(session, member_id, data, stated_by=_actor(user))
    view = occasion_public(session, occasion)
    session.commit()
    return view


@router.get("/members/{member_id}/occasions", response_model=list[OccasionPublic])
def list_occasions(
    member_id: IdPath, session: SessionDep, _user: AnyUser, include_retired: bool = False
) -> list[OccasionPublic]:
    found = registry.list_occasions(session, member_id, include_retired=include_retired)
    return [occasion_public(session, o) for o in found]


@router.get("/occasions/upcoming", response_model=list[UpcomingOccasion])
def upcoming(
    session: SessionDep,
    _user: AnyUser,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
    kind: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[UpcomingOccasion]:
    """Active occasions celebrated in the next ``days`` days (today included), each member's own today."""
    return upcoming_occasions(session, days=days, kinds=kind, limit=limit)


@router.get("/occasions/{occasion_id}/preview", response_model=OccasionPreview)
def occasion_preview(
    occasion_id: IdPath, session: SessionDep, settings: SettingsDep, _user: AnyUser, lang: LangDep
) -> OccasionPreview:
    """The messages this occasion will send (its reminder, the coupon of each occasion campaign that takes
    it), per channel, in the member's language, with the member-local send date: what the counter shows."""
    return preview_occasion(session, occasion_id, settings=settings, lang=lang)


@router.delete("/occasions/{occasion_id}", response_model=OccasionPublic)
def retire_occasion(occasion_id: IdPath, session: SessionDep, user: StaffUser) -> OccasionPublic:
    """ "No longer celebrate this": retired (no reason asked), and anything not yet sent for it cancelled."""
    occasion = registry.retire_occasion(session, occasion_id, actor=_actor(user))
    view = occasion_public(session, occasion)
    session.commit()
    return view


@router.post("/members/{member_id}/pause", response_model=PauseState)
def pause_member(
    member_id: IdPath, session: SessionDep, user: StaffUser, data: PauseRequest | None = None
) -> PauseState:
    member = pause_promotions(session, member_id, until=data.until if data else None, actor=_actor(user))
    session.commit()
    return PauseState(member_id=member_id, paused=member.paused, paused_until=member.paused_until)


@router.post("/members/{member_id}/resume", response_model=PauseState)
def resume_member(member_id: IdPath, session: SessionDep, user: StaffUser) -> PauseState:
    member = resume_promotions(session, member_id, actor=_actor(user))
    session.commit()
    return PauseState(member_id=member_id, paused=member.paused, paused_until=member.paused_until)
