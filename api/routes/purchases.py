"""Purchases at the counter (idempotent on receipt_id; the card rule runs on each new one) and feedback."""

from __future__ import annotations

from fastapi import Response, status
from fastapi.concurrency import run_in_threadpool

from api.deps import ClaimsDep, IdPath, SessionDep, SettingsDep, StaffUser, signed_in_user
from api.routing import api_router
from loyalty.models.users import Role
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
STAFF = (Role.staff,)


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
async def add_purchase(
    member_id: IdPath,
    data: PurchaseCreate,
    session: SessionDep,
    settings: SettingsDep,
    claims: ClaimsDep,
) -> Response:
    """Record a purchase. The N-th visit in the window issues the member's named card (``card_issued``).

    With ``coupon_code`` the member's coupon is redeemed against this purchase in the same transaction
    (``redemption``: discount and amount due); a refused code records neither and names ``coupon_code``."""

    def record() -> tuple[PurchaseResult, bool]:
        # the counter's hot path: the signed-in user is checked in the same thread-pool call and the same
        # transaction as the purchase (one hand-off, one connection checkout)
        user = signed_in_user(session, claims, STAFF)
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
        return result, outcome.created

    result, created = await run_in_threadpool(record)
    return Response(  # already a PurchaseResult: no second validation against the response model
        result.model_dump_json(),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        media_type="application/json",
    )


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
