"""Cards: the member's card, scanning, staff approval of held cards, the PDF card and the A4 print sheet.

A number is accepted with or without spaces/hyphens; a mistyped one gets 422 "check digit", not 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response, status

from api.deps import AnyUser, IdPath, SessionDep, SettingsDep, StaffUser
from api.routing import api_router
from loyalty.cards import issuing, review
from loyalty.cards.pdf import card_view, render_card_pdf, render_sheet_pdf
from loyalty.cards.printing import printable_card, printable_cards
from loyalty.cards.schemas import (
    CardPublic,
    HeldCardPublic,
    ReasonRequest,
    SheetRequest,
    card_public,
    held_card_public,
)
from loyalty.core.errors import Invalid
from loyalty.counter import search as counter
from loyalty.counter.search import CardScan
from loyalty.models.cards import CardStatus

router = api_router(tags=["cards"])

PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the PDF"}
}


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/members/{member_id}/card", response_model=CardPublic)
def member_card(member_id: IdPath, session: SessionDep, _user: AnyUser) -> CardPublic:
    """The member's current card (active or awaiting review); 404 until one is earned."""
    return card_public(issuing.member_card(session, member_id))


@router.get("/cards", response_model=list[HeldCardPublic])
def list_cards(
    session: SessionDep,
    _user: StaffUser,
    status_: Annotated[CardStatus, Query(alias="status")],
) -> list[HeldCardPublic]:
    """Cards by status; ``pending_review``: the held cards with the feedback behind them, oldest first."""
    if status_ != CardStatus.pending_review:
        raise Invalid("status", "api.status_pending_review_listed")
    return [held_card_public(c, m, f) for c, m, f in review.held_cards(session)]


@router.get("/cards/{number}", response_model=CardScan)
def scan_card(number: str, session: SessionDep, _user: AnyUser) -> CardScan:
    """Scan or type a card number: the card and its member."""
    return counter.scan_card(session, number)


@router.post("/cards/{number}/approve", response_model=CardPublic)
def approve_card(number: str, session: SessionDep, user: StaffUser) -> CardPublic:
    """Release a card held for review (the member's latest feedback was a detractor score)."""
    card = issuing.approve_card(session, number, actor_user_id=user.id)
    result = card_public(card)
    session.commit()
    return result


@router.post("/cards/{number}/reject", response_model=CardPublic)
def reject_card(number: str, data: ReasonRequest, session: SessionDep, user: StaffUser) -> CardPublic:
    """Do not release a held card (the reason is kept); the member may earn one again by later visits."""
    card = review.reject_card(session, number, data.reason, actor_user_id=user.id)
    result = card_public(card)
    session.commit()
    return result


@router.post("/cards/{number}/replace", status_code=status.HTTP_201_CREATED, response_model=CardPublic)
def replace_card(number: str, data: ReasonRequest, session: SessionDep, user: StaffUser) -> CardPublic:
    """A lost or damaged card: a new number for the same member; the old one then answers 410 naming it."""
    card = review.replace_card(session, number, data.reason, actor_user_id=user.id)
    result = card_public(card)
    session.commit()
    return result


@router.get("/cards/{number}/pdf", response_class=Response, responses=PDF_RESPONSE)
def card_pdf_file(number: str, session: SessionDep, settings: SettingsDep, _user: StaffUser) -> Response:
    """The card as a PDF page of ID-1 size (85.6 x 54 mm), for a card printer."""
    card = printable_card(session, number)
    pdf = render_card_pdf(card_view(card, settings.shop_name))
    return _pdf(pdf, f"card-{card.number}.pdf")


@router.post("/cards/sheet", response_class=Response, responses=PDF_RESPONSE)
def print_sheet(data: SheetRequest, session: SessionDep, settings: SettingsDep, _user: StaffUser) -> Response:
    """Up to 10 active cards on an A4 sheet with crop marks."""
    found = printable_cards(session, data.numbers)
    pdf = render_sheet_pdf([card_view(card, settings.shop_name) for card in found])
    return _pdf(pdf, f"cards-sheet-{len(found)}.pdf")
