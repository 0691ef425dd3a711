"""Customer feedback (0-10). A detractor (0-6) as the latest score holds the card for staff review."""

from __future__ import annotations

from sqlmodel import Session, col, select

from loyalty.core.errors import Invalid, NotFound
from loyalty.models.members import Member
from loyalty.models.purchases import Feedback, Purchase

# the one place of the 0-10 scale's bands (NPS): 0-6 detractor, 7-8 passive, 9-10 promoter
SCORE_MIN, SCORE_MAX = 0, 10
DETRACTOR_MAX, PROMOTER_MIN = 6, 9


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
        raise NotFound("common.member_not_found", member_id=member_id)
    if isinstance(score, bool) or not SCORE_MIN <= score <= SCORE_MAX:
        raise Invalid("score", "purchases.score_whole_number_from_0", low=SCORE_MIN, high=SCORE_MAX)
    if purchase_id is not None:
        purchase = session.get(Purchase, purchase_id)
        if purchase is None or purchase.member_id != member_id:
            raise Invalid("purchase_id", "purchases.purchase_member_s", purchase_id=purchase_id)
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
