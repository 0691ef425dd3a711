"""Customer feedback (0-10). A detractor (0-6) as the latest score holds the card for staff review."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.db import UTCDateTime, utcnow

DETRACTOR_MAX = 6


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
