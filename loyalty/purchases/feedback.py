"""Customer feedback (0-10). A detractor (0-6) as the latest score holds the card for staff review."""

from __future__ import annotations

from sqlmodel import Session, col, select

from loyalty.core.errors import Invalid, NotFound
from loyalty.models.members import Member
from loyalty.models.purchases import Feedback, Purchase

DETRACTOR_MAX = 6
SCORE_MIN, SCORE_MAX = 0, 10


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
