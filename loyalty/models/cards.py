"""The card table: one current (active or held for review) card per member."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime

CARD_NUMBER_LENGTH = 16


CURRENT_STATUSES = ("active", "pending_review")


class CardStatus(StrEnum):
    active = "active"
    pending_review = "pending_review"
    revoked = "revoked"
    rejected = "rejected"  # a held card staff decided not to release (review_reason says why)
    replaced = "replaced"  # lost or damaged: replaced_by_number is the member's new card


class Card(SQLModel, table=True):
    __tablename__ = "cards"
    __table_args__ = (
        # one current (active or awaiting review) card per member, under any concurrency
        sa.Index(
            "uq_cards_member_current",
            "member_id",
            unique=True,
            sqlite_where=sa.text("status IN ('active', 'pending_review')"),
            postgresql_where=sa.text("status IN ('active', 'pending_review')"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", index=True)
    number: str = Field(max_length=20, unique=True)  # digits only, last one a Luhn check digit
    holder_name: str = Field(max_length=200)
    status: CardStatus = Field(sa_type=sa.String(16))
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reviewed_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_reason: str | None = Field(default=None, max_length=500)  # why it was rejected or replaced
    replaced_by_number: str | None = Field(default=None, max_length=20)
