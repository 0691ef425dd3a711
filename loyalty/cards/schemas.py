"""Card outputs for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field
from sqlmodel import SQLModel

from loyalty.cards.numbers import format_card_number
from loyalty.cards.pdf import SHEET_MAX
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


class SheetRequest(BaseModel):
    numbers: Annotated[list[str], Field(min_length=1, max_length=SHEET_MAX)]
