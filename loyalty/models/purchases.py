"""Purchase and feedback tables."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime


class PurchaseBase(SQLModel):
    amount: Decimal = Field(sa_type=sa.Numeric(12, 2))
    receipt_id: str = Field(max_length=64, unique=True)
    store_id: int | None = Field(default=None, foreign_key="stores.id")


class Purchase(PurchaseBase, table=True):
    __tablename__ = "purchases"
    __table_args__ = (sa.Index("ix_purchases_member_occurred", "member_id", "occurred_at"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FollowUp(StrEnum):
    """Staff following a detractor's comment up."""

    open = "open"
    contacted = "contacted"
    resolved = "resolved"


class Feedback(SQLModel, table=True):
    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 0 AND 10", name="score"),
        sa.Index("ix_feedback_member_created", "member_id", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    purchase_id: int | None = Field(default=None, foreign_key="purchases.id")
    score: int
    comment: str | None = Field(default=None, max_length=2000)
    recorded_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # a detractor's comment followed up by staff (open -> contacted -> resolved)
    followup: FollowUp = Field(default=FollowUp.open, sa_type=sa.String(16))
    followup_note: str | None = Field(default=None, max_length=1000)
    followup_by: str | None = Field(default=None, max_length=80)
    followup_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
