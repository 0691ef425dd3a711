"""Purchase and feedback inputs and outputs for the API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import StrictInt
from sqlmodel import Field, Session, SQLModel

from loyalty.cards.schemas import CardPublic, card_public
from loyalty.core.db import RowId
from loyalty.coupons.schemas import RedemptionPublic
from loyalty.coupons.views import redemption_public
from loyalty.members.schemas import MemberPublic
from loyalty.models.purchases import Feedback, Purchase
from loyalty.purchases.card_rule import CardProgress
from loyalty.purchases.feedback import is_detractor
from loyalty.purchases.recording import PurchaseOutcome


class PurchaseCreate(SQLModel):
    amount: Decimal
    receipt_id: str
    occurred_at: datetime | None = None
    store_id: RowId | None = None
    coupon_code: str | None = Field(default=None, max_length=40)  # redeemed with the purchase, or neither


class PurchasePublic(SQLModel):
    id: int
    member_id: int
    amount: Decimal
    receipt_id: str
    occurred_at: datetime
    store_id: int | None
    created_at: datetime


class PurchaseResult(SQLModel):
    """The API's answer: the purchase, the member's current card (if any), whether this purchase issued it."""

    purchase: PurchasePublic
    card: CardPublic | None
    card_issued: bool
    redemption: RedemptionPublic | None = None  # the coupon redeemed with this purchase


def purchase_public(p: Purchase) -> PurchasePublic:
    assert p.id is not None
    return PurchasePublic(
        id=p.id,
        member_id=p.member_id,
        amount=p.amount,
        receipt_id=p.receipt_id,
        occurred_at=p.occurred_at,
        store_id=p.store_id,
        created_at=p.created_at,
    )


def purchase_result(session: Session, outcome: PurchaseOutcome) -> PurchaseResult:
    redeemed = outcome.redeemed
    return PurchaseResult(
        purchase=purchase_public(outcome.purchase),
        card=card_public(outcome.card) if outcome.card is not None else None,
        card_issued=outcome.card_issued,
        redemption=redemption_public(session, redeemed, outcome.purchase.amount) if redeemed else None,
    )


class FeedbackCreate(SQLModel):
    score: StrictInt
    comment: str | None = Field(default=None, max_length=2000)
    purchase_id: RowId | None = None


class FeedbackPublic(SQLModel):
    id: int
    member_id: int
    purchase_id: int | None
    score: int
    comment: str | None
    detractor: bool
    created_at: datetime


def feedback_public(feedback: Feedback) -> FeedbackPublic:
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


class MemberDetail(MemberPublic):
    """One member as the counter sees them: the member, and the visits toward the card."""

    card_progress: CardProgress


class PurchaseLine(PurchasePublic):
    """A purchase in the member's history, with the coupon redeemed with it (if any)."""

    coupon_code: str | None = None
    discount: Decimal | None = None


class MessageLine(SQLModel):
    """A message in the member's history (what, on which channel, how far it got)."""

    id: int
    channel: str
    purpose: str
    category: str
    state: str
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    # issue 19: sent / deferred / dropped / cancelled / failed / queued / sending, why, and when
    fate: str = "queued"
    reason: str | None = None
    not_before: datetime | None = None  # when it goes (a deferred one: the new instant)
    updated_at: datetime | None = None  # a cancelled one: when
    wallet: bool = False  # issue 23: its coupon was also shown on the member's wallet pass (lock screen)
