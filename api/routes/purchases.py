"""Purchases at the counter (idempotent on receipt_id; the card rule runs on each new one) and feedback."""

from __future__ import annotations

from fastapi import Response, status

from api.deps import IdPath, SessionDep, SettingsDep, StaffUser
from api.routing import api_router
from loyalty.purchases.card_rule import CardRule
from loyalty.purchases.feedback import record_feedback
from loyalty.purchases.recording import record_purchase
from loyalty.purchases.schemas import (
    FeedbackCreate,
    FeedbackPublic,
    PurchaseCreate,
    PurchaseResult,
    feedback_public,
    purchase_result,
)

router = api_router(tags=["purchases"])


@router.post(
    "/members/{member_id}/purchases",
    status_code=status.HTTP_201_CREATED,
    response_model=PurchaseResult,
    responses={
        200: {"model": PurchaseResult, "description": "receipt already recorded: the original purchase"},
        404: {"description": "unknown member, or unknown coupon_code"},
        409: {"description": "the receipt is recorded for another member, or the coupon is already redeemed"},
        410: {"description": "the coupon expired or was cancelled"},
    },
)
def add_purchase(
    member_id: IdPath,
    data: PurchaseCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    user: StaffUser,
) -> PurchaseResult:
    """Record a purchase. The N-th visit in the window issues the member's named card (``card_issued``).

    With ``coupon_code`` the member's coupon is redeemed against this purchase in the same transaction
    (``redemption``: discount and amount due); a refused code records neither and names ``coupon_code``."""
    outcome = record_purchase(
        session,
        member_id,
        data.amount,
        data.receipt_id,
        occurred_at=data.occurred_at,
        store_id=data.store_id,
        actor_user_id=user.id,
        rule=CardRule.from_settings(settings),
        coupon_code=data.coupon_code,
    )
    result = purchase_result(session, outcome)
    session.commit()
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return result


@router.post(
    "/members/{member_id}/feedback", status_code=status.HTTP_201_CREATED, response_model=FeedbackPublic
)
def add_feedback(
    member_id: IdPath, data: FeedbackCreate, session: SessionDep, user: StaffUser
) -> FeedbackPublic:
    """Record a 0-10 score; a detractor (0-6) as the latest score holds the next card for review."""
    feedback = record_feedback(
        session,
        member_id,
        data.score,
        comment=data.comment,
        purchase_id=data.purchase_id,
        actor_user_id=user.id,
    )
    result = feedback_public(feedback)
    session.commit()
    return result
