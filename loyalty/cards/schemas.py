"""TODO docstring."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel

from loyalty.cards.numbers import format_card_number
from loyalty.models.cards import Card, CardStatus


class CardPublic(SQLModel):
    number: str  # 16 digits, as printed in the QR code
    number_display: str  # grouped by four, as printed on the card
    holder_name: str
    status: CardStatus
    issued_at: datetime
    member_id: int


def card_public(card: Card) -> CardPublic:
    return CardPublic(
        number=card.number,
        number_display=format_card_number(card.number),
        holder_name=card.holder_name,
        status=card.status,
        issued_at=card.issued_at,
        member_id=card.member_id,
    )


class MemberSummary(SQLModel):
    id: int
    full_name: str
    phone: str
    email: str | None
    member_since: datetime
