"""The member's own page, as JSON: the signed link's token is the only credential (no staff user).

Under ``/api/v1/self/{token}``: see one's consent, pause and occasions; add an occasion with its purpose,
retire one ("no longer celebrate this", no reason asked), pause or resume promotions, change consent.
Staff get a member's link from ``GET /api/v1/members/{id}/self-link``.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import status
from pydantic import BaseModel

from api.deps import IdPath, SessionDep, SettingsDep, StaffUser
from api.routing import api_router
from loyalty import consent, occasions, pause
from loyalty.errors import NotFound
from loyalty.member_links import member_page_url, read_member_page_token
from loyalty.members import Channel, ConsentChoice, Member, get_member
from loyalty.occasions import OccasionCreate, OccasionPublic

router = api_router(tags=["self-service"])
ACTOR = "member"
SOURCE = "self_service"


class SelfMember(BaseModel):
    full_name: str
    locale: str
    has_email: bool
    consent: ConsentChoice
    paused: bool
    paused_until: datetime | None


class SelfPage(BaseModel):
    member: SelfMember
    occasions: list[OccasionPublic]


class PauseRequest(BaseModel):
    until: date | None = None  # until that day begins in the member's time zone; None: until resumed


class ConsentRequest(BaseModel):
    channel: Channel
    granted: bool


class SelfLink(BaseModel):
    url: str


def _member(session: SessionDep, settings: SettingsDep, token: str) -> Member:
    return get_member(session, read_member_page_token(settings.secret_key, token))


def _page(session: SessionDep, member: Member) -> SelfPage:
    assert member.id is not None
    found = occasions.list_occasions(session, member.id)
    return SelfPage(
        member=SelfMember(
            full_name=member.full_name,
            locale=member.locale,
            has_email=bool(member.email),
            consent=ConsentChoice(sms=member.sms_opt_in, email=member.email_opt_in),
            paused=member.paused,
            paused_until=member.paused_until,
        ),
        occasions=[occasions.describe(session, o) for o in found],
    )


@router.get("/self/{token}", response_model=SelfPage)
def read_page(token: str, session: SessionDep, settings: SettingsDep) -> SelfPage:
    return _page(session, _member(session, settings, token))


@router.post("/self/{token}/occasions", status_code=status.HTTP_201_CREATED, response_model=OccasionPublic)
def add_occasion(
    token: str, data: OccasionCreate, session: SessionDep, settings: SettingsDep
) -> OccasionPublic:
    member = _member(session, settings, token)
    assert member.id is not None
    occasion = occasions.add_occasion(session, member.id, data, stated_by=ACTOR)
    view = occasions.describe(session, occasion)
    session.commit()
    return view


@router.delete("/self/{token}/occasions/{occasion_id}", response_model=OccasionPublic)
def retire_occasion(
    token: str, occasion_id: IdPath, session: SessionDep, settings: SettingsDep
) -> OccasionPublic:
    member = _member(session, settings, token)
    if occasions.get_occasion(session, occasion_id).member_id != member.id:
        raise NotFound(f"occasion {occasion_id} not found")  # someone else's: not even its existence
    occasion = occasions.retire_occasion(session, occasion_id, actor=ACTOR)
    view = occasions.describe(session, occasion)
    session.commit()
    return view


@router.post("/self/{token}/pause", response_model=SelfPage)
def pause_promotions(
    token: str, session: SessionDep, settings: SettingsDep, data: PauseRequest | None = None
) -> SelfPage:
    member = _member(session, settings, token)
    assert member.id is not None
    pause.pause_promotions(session, member.id, until=data.until if data else None, actor=ACTOR)
    page = _page(session, member)
    session.commit()
    return page


@router.post("/self/{token}/resume", response_model=SelfPage)
def resume_promotions(token: str, session: SessionDep, settings: SettingsDep) -> SelfPage:
    member = _member(session, settings, token)
    assert member.id is not None
    pause.resume_promotions(session, member.id, actor=ACTOR)
    page = _page(session, member)
    session.commit()
    return page


@router.post("/self/{token}/consent", response_model=SelfPage)
def change_consent(token: str, data: ConsentRequest, session: SessionDep, settings: SettingsDep) -> SelfPage:
    member = _member(session, settings, token)
    consent.record_consent(session, member, data.channel, data.granted, source=SOURCE, actor=ACTOR)
    page = _page(session, member)
    session.commit()
    return page


@router.get("/members/{member_id}/self-link", response_model=SelfLink)
def self_link(member_id: IdPath, session: SessionDep, settings: SettingsDep, _user: StaffUser) -> SelfLink:
    """The member's personal page link, for staff to hand over (printed, or sent by the member's wish)."""
    member = get_member(session, member_id)
    assert member.id is not None
    return SelfLink(url=member_page_url(settings, member.id))
