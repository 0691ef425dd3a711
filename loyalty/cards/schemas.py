"""Card outputs for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field
from sqlmodel import SQLModel

from loyalty.cards.numbers import format_card_number
from loyalty.cards.pdf import SHEET_MAX
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Member
from loyalty.models.purchases import Feedback


class CardPublic(SQLModel):
    number: str  # 16 digits, as printed in the QR code
    number_display: str  # grouped by four, as printed on the card
    holder_name: str
    status: CardStatus
    issued_at: datetime
    member_id: int
    review_reason: str | None = None  # why it was rejected or replaced
    replaced_by: str | None = None  # a replaced card: the member's new number


def card_public(card: Card) -> CardPublic:
    return CardPublic(
        number=card.number,
        number_display=format_card_number(card.number),
        holder_name=card.holder_name,
        status=card.status,
        issued_at=card.issued_at,
        member_id=card.member_id,
        review_reason=card.review_reason,
        replaced_by=card.replaced_by_number,
    )


class MemberSummary(SQLModel):
    id: int
    full_name: str
    phone: str
    email: str | None
    member_since: datetime

    @classmethod
    def of(cls, member: Member) -> MemberSummary:
        """The summary staff see of a saved member (the counter's scan, a held card)."""
        fields = member.model_dump(include={"id", "full_name", "phone", "email"})
        return cls(**fields, member_since=member.created_at)


class ReasonRequest(BaseModel):
    reason: str = Field(max_length=500)


class FeedbackBrief(BaseModel):
    score: int
    comment: str | None
    created_at: datetime


class HeldCardPublic(BaseModel):
    """A card awaiting staff review, with the member and the feedback that held it."""

    card: CardPublic
    member: MemberSummary
    feedback: FeedbackBrief | None


def held_card_public(card: Card, member: Member, feedback: Feedback | None) -> HeldCardPublic:
    return HeldCardPublic(
        card=card_public(card),
        member=MemberSummary.of(member),
        feedback=FeedbackBrief(score=feedback.score, comment=feedback.comment, created_at=feedback.created_at)
        if feedback
        else None,
    )


class SheetRequest(BaseModel):
    numbers: Annotated[list[str], Field(min_length=1, max_length=SHEET_MAX)]
