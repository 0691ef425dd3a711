"""The member's own page, as JSON: the signed link's token is the only credential (no staff user).

Under ``/api/v1/self/{token}``: see one's consent, pause and occasions; add an occasion with its purpose,
retire one ("no longer celebrate this", no reason asked), pause or resume promotions, change consent.
Staff get a member's link from ``GET /api/v1/members/{id}/self-link``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response, status

from api.deps import IdPath, SessionDep, SettingsDep, StaffUser
from api.routing import api_router
from loyalty.cards import issuing
from loyalty.cards.pdf import card_view, render_card_pdf
from loyalty.cards.printing import printable_card
from loyalty.core.clock import utcnow
from loyalty.core.errors import NotFound
from loyalty.counter.overview import SelfPage
from loyalty.counter.overview import member_page as _member_page
from loyalty.members import pause
from loyalty.members.consent import record_consent
from loyalty.members.email_change import request_email_change
from loyalty.members.links import member_for_link, page_link_key, page_url, revoke_page_links
from loyalty.members.registration import get_member
from loyalty.members.schemas import (
    ConsentRequest,
    EmailChangeRequest,
    EmailChangeSent,
    MemberLink,
    PauseRequest,
)
from loyalty.models.members import Member
from loyalty.occasions import registry
from loyalty.occasions.schemas import OccasionCreate, OccasionPublic
from loyalty.purchases.card_rule import CardRule

router = api_router(tags=["self-service"])
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "PDF"}
}
ACTOR = "member"
SOURCE = "self_service"


def member_page(session: SessionDep, member: Member, settings: SettingsDep) -> SelfPage:
    return _member_page(session, member, CardRule.from_settings(settings), utcnow())


def _member(session: SessionDep, settings: SettingsDep, token: str) -> Member:
    return member_for_link(session, settings.secret_key, token, utcnow())


def _link(session: SessionDep, settings: SettingsDep, member: Member) -> MemberLink:
    key = page_link_key(session, member, issued=utcnow(), days=settings.member_link_days)
    return MemberLink(url=page_url(settings.public_base_url, key))


@router.get("/self/{token}", response_model=SelfPage)
def read_page(token: str, session: SessionDep, settings: SettingsDep) -> SelfPage:
    return member_page(session, _member(session, settings, token), settings)


@router.post("/self/{token}/occasions", status_code=status.HTTP_201_CREATED, response_model=OccasionPublic)
def add_occasion(
    token: str, data: OccasionCreate, session: SessionDep, settings: SettingsDep
) -> OccasionPublic:
    member = _member(session, settings, token)
    assert member.id is not None
    occasion = registry.add_occasion(session, member.id, data, stated_by=ACTOR)
    view = registry.occasion_public(session, occasion)
    session.commit()
    return view


@router.delete("/self/{token}/occasions/{occasion_id}", response_model=OccasionPublic)
def retire_occasion(
    token: str, occasion_id: IdPath, session: SessionDep, settings: SettingsDep
) -> OccasionPublic:
    member = _member(session, settings, token)
    if registry.get_occasion(session, occasion_id).member_id != member.id:
        # someone else's: not even its existence
        raise NotFound("common.occasion_not_found", occasion_id=occasion_id)
    occasion = registry.retire_occasion(session, occasion_id, actor=ACTOR)
    view = registry.occasion_public(session, occasion)
    session.commit()
    return view


@router.post("/self/{token}/pause", response_model=SelfPage)
def pause_promotions(
    token: str, session: SessionDep, settings: SettingsDep, data: PauseRequest | None = None
) -> SelfPage:
    member = _member(session, settings, token)
    assert member.id is not None
    pause.pause_promotions(session, member.id, until=data.until if data else None, actor=ACTOR)
    page = member_page(session, member, settings)
    session.commit()
    return page


@router.post("/self/{token}/resume", response_model=SelfPage)
def resume_promotions(token: str, session: SessionDep, settings: SettingsDep) -> SelfPage:
    member = _member(session, settings, token)
    assert member.id is not None
    pause.resume_promotions(session, member.id, actor=ACTOR)
    page = member_page(session, member, settings)
    session.commit()
    return page


@router.post("/self/{token}/consent", response_model=SelfPage)
def change_consent(token: str, data: ConsentRequest, session: SessionDep, settings: SettingsDep) -> SelfPage:
    member = _member(session, settings, token)
    record_consent(session, member, data.channel, data.granted, source=SOURCE, actor=ACTOR)
    page = member_page(session, member, settings)
    session.commit()
    return page


@router.get("/self/{token}/card.pdf", response_class=Response, responses=PDF_RESPONSE)
def card_pdf(token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The member's own active card as a PDF (404 until earned; a held card is not printed)."""
    member = _member(session, settings, token)
    assert member.id is not None
    card = printable_card(session, issuing.member_card(session, member.id).number)
    pdf = render_card_pdf(card_view(card, settings.shop_name))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="card-{card.number}.pdf"'},
    )


@router.post("/self/{token}/email", status_code=status.HTTP_202_ACCEPTED, response_model=EmailChangeSent)
def change_email(
    token: str, data: EmailChangeRequest, session: SessionDep, settings: SettingsDep
) -> EmailChangeSent:
    """Add or change the member's e-mail: a confirmation goes to the new address; the address (and consent
    for offers there, if asked) applies only once its link is opened."""
    member = _member(session, settings, token)
    sent_to = request_email_change(
        session, member, data.email, consent=data.consent, settings=settings, now=utcnow()
    )
    session.commit()
    return EmailChangeSent(sent_to=sent_to)


@router.get("/members/{member_id}/self-link", response_model=MemberLink)
def self_link(member_id: IdPath, session: SessionDep, settings: SettingsDep, _user: StaffUser) -> MemberLink:
    """The member's personal page link, for staff to hand over (printed, or sent by the member's wish)."""
    member = get_member(session, member_id)
    view = _link(session, settings, member)
    session.commit()  # the short key is kept on the server
    return view


@router.post("/members/{member_id}/self-link/revoke", response_model=MemberLink)
def revoke_self_link(
    member_id: IdPath, session: SessionDep, settings: SettingsDep, _user: StaffUser
) -> MemberLink:
    """Every page link the member was given stops working at once (a lost phone, a forwarded message); the
    answer is their new link."""
    member = revoke_page_links(session, member_id)
    view = _link(session, settings, member)
    session.commit()
    return view
