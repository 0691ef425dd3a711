"""Coupon outputs for the API: a coupon in a list, at the counter, after a redemption, its audit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlmodel import SQLModel

from loyalty.core.db import RowId


class OfferPublic(SQLModel):
    kind: str
    value: Decimal
    min_purchase: Decimal | None
    currency: str


class CouponSummary(SQLModel):
    """A coupon in a list (a card scan, a member's page)."""

    code: str  # grouped: XXXX-XXXX-XXX
    status: str
    offer: OfferPublic
    valid_from: datetime
    expires_at: datetime
    campaign_id: int


class CouponPublic(CouponSummary):
    """``GET /coupons/{code}``: the coupon, whose it is, and whether the counter can redeem it now."""

    member_id: int
    member_name: str
    run_id: int
    redeemable_now: bool
    reason: str | None = None  # why it cannot be redeemed now (in the request's language)
    reason_key: str | None = None  # the same as a message key (loyalty/core/texts/errors.py)
    redeemed_at: datetime | None = None
    redeemed_store_id: int | None = None
    redeemed_store_name: str | None = None
    redeemed_by: str | None = None  # the staff user's username
    redeemed_purchase_amount: Decimal | None = None
    redeemed_discount: Decimal | None = None


class RedemptionPublic(CouponPublic):
    """The answer to a redemption: the discount for ``purchase_amount`` and what is left to pay."""

    purchase_amount: Decimal | None
    discount: Decimal | None
    amount_due: Decimal | None


class RedemptionAuditPublic(SQLModel):
    action: str
    at: datetime
    user_id: int | None
    store_id: int | None
    purchase_amount: Decimal | None
    discount: Decimal | None
    reason: str | None


class RedeemRequest(BaseModel):
    purchase_amount: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    store_id: RowId | None = None


class ReverseRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
    store_id: RowId | None = None
