"""The counter: find a member by phone, name or card number, and what a card scan shows."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, SQLModel, col, select

from loyalty.cards.numbers import parse_card_number
from loyalty.cards.review import live_card
from loyalty.cards.schemas import CardPublic, MemberSummary, card_public
from loyalty.core.errors import Invalid, NotFound, for_field
from loyalty.core.text import search_key
from loyalty.coupons.lookup import active_coupons
from loyalty.coupons.views import coupon_summary
from loyalty.members.validation import normalize_phone
from loyalty.models.cards import Card
from loyalty.models.members import Member

MAX_SEARCH_WORDS, MAX_SEARCH_CHARS = 10, 100  # a name search: each word is one LIKE over every member


class CardScan(SQLModel):
    """What the counter sees after scanning a card."""

    card: CardPublic
    member: MemberSummary
    # the member's active coupons; filled in by the coupons module (H4b) once it exists
    active_coupons: list[dict[str, Any]] = []


def scan_card(session: Session, number: str) -> CardScan:
    """Card + member summary for the counter (a card in any status: staff see why it does not work)."""
    card = live_card(session, number)  # a replaced card: 410 naming the new number
    member = session.get(Member, card.member_id)
    if member is None or member.id is None or member.erased_at is not None:  # erased (KVKK): not found
        raise NotFound("common.member_not_found", member_id=card.member_id)
    return CardScan(
        card=card_public(card),
        member=MemberSummary.of(member),
        active_coupons=[
            coupon_summary(c).model_dump(mode="json") for c in active_coupons(session, member.id)
        ],
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_members(
    session: Session,
    *,
    phone: str | None = None,
    q: str | None = None,
    card: str | None = None,
    limit: int = 50,
    region: str = "TR",
) -> list[Member]:
    """Find members by phone (any written form), by name (Turkish case and accent folding, every word:
    "OZTURK" finds "Öztürk") or card number.

    Criteria given together must all match. An unknown phone or card is an empty list; a card number
    with a wrong check digit is Invalid("card").
    """
    phone = (phone or "").strip() or None
    q = (q or "").strip() or None
    card = (card or "").strip() or None
    if phone is None and q is None and card is None:
        raise Invalid("q", "purchases.give_phone_q_name_card")
    query = select(Member).where(col(Member.erased_at).is_(None))
    if phone is not None:
        query = query.where(Member.phone == normalize_phone(phone, region))
    if q is not None:
        if len(q) > MAX_SEARCH_CHARS or len(q.split()) > MAX_SEARCH_WORDS:
            raise Invalid(
                "q",
                "purchases.search_most_words_characters",
                max_search_words=MAX_SEARCH_WORDS,
                max_search_chars=MAX_SEARCH_CHARS,
            )
        for word in dict.fromkeys(search_key(q).split()):
            query = query.where(col(Member.name_search).like(_like(word), escape="\\"))
    if card is not None:
        try:
            number = parse_card_number(card)
        except Invalid as exc:
            raise for_field(exc, "card") from None
        query = query.where(col(Member.id).in_(select(Card.member_id).where(Card.number == number)))
    query = query.order_by(col(Member.name_search), col(Member.id)).limit(max(1, min(limit, 500)))
    return list(session.exec(query).all())
