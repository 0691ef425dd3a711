"""Customer feedback (0-10). A detractor (0-6) as the latest score holds the card for staff review."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import StrictInt
from sqlmodel import Field, Session, SQLModel, col, select

from loyalty.db import RowId, UTCDateTime, utcnow
from loyalty.errors import Invalid, NotFound

DETRACTOR_MAX = 6
SCORE_MIN, SCORE_MAX = 0, 10


class FeedbackCreate(SQLModel):
    score: StrictInt
    comment: str | None = Field(default=None, max_length=2000)
    purchase_id: RowId | None = None


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


class FeedbackPublic(SQLModel):
    id: int
    member_id: int
    purchase_id: int | None
    score: int
    comment: str | None
    detractor: bool
    created_at: datetime


def is_detractor(score: int) -> bool:
    return score <= DETRACTOR_MAX


def record_feedback(
    session: Session,
    member_id: int,
    score: int,
    *,
    comment: str | None = None,
    purchase_id: int | None = None,
    actor_user_id: int | None = None,
) -> Feedback:
    """Record one score; a purchase it refers to must be the same member's."""
    from loyalty.members import Member
    from loyalty.purchases import Purchase

    if session.get(Member, member_id) is None:
        raise NotFound(f"member {member_id} not found / üye bulunamadı")
    if isinstance(score, bool) or not SCORE_MIN <= score <= SCORE_MAX:
        raise Invalid("score", "score must be a whole number from 0 to 10 / puan 0 ile 10 arasında olmalı")
    if purchase_id is not None:
        purchase = session.get(Purchase, purchase_id)
        if purchase is None or purchase.member_id != member_id:
            raise Invalid(
                "purchase_id",
                f"purchase {purchase_id} is not this member's / alışveriş {purchase_id} bu üyenin değil",
            )
    comment = (comment or "").strip() or None
    feedback = Feedback(
        member_id=member_id,
        purchase_id=purchase_id,
        score=score,
        comment=comment,
        recorded_by_user_id=actor_user_id,
    )
    session.add(feedback)
    session.flush()
    return feedback


def latest_feedback(session: Session, member_id: int) -> Feedback | None:
    return session.exec(
        select(Feedback)
        .where(Feedback.member_id == member_id)
        .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
        .limit(1)
    ).first()


def to_public(feedback: Feedback) -> FeedbackPublic:
    assert feedback.id is not None
    return FeedbackPublic(
        id=feedback.id,
        member_id=feedback.member_id,
        purchase_id=feedback.purchase_id,
        score=feedback.score,
        comment=feedback.comment,
        detractor=is_detractor(feedback.score),
        created_at=feedback.created_at,
    )
