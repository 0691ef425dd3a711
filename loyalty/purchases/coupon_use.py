"""A coupon redeemed as part of a purchase: one unit of work, so a bad code records neither.

Every refusal names ``coupon_code`` (the counter puts it next to that field) and keeps its status: 404
unknown, 409 already redeemed, 410 expired or cancelled, 422 malformed, someone else's, or below the
coupon's minimum purchase. One purchase carries at most one coupon, hence at most one of any campaign.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from loyalty.core.errors import DomainError, Invalid, for_field
from loyalty.coupons.codes import format_code
from loyalty.coupons.lookup import get_coupon
from loyalty.coupons.redeeming import redeem
from loyalty.models.coupons import Coupon, CouponRedemption, CouponStatus, RedemptionAction
from loyalty.models.purchases import Purchase

FIELD = "coupon_code"


def _named(exc: DomainError) -> DomainError:
    """The same refusal, naming the field it is about."""
    if isinstance(exc, Invalid):
        return for_field(exc, FIELD)
    renamed = type(exc)(exc.key, extra={**exc.extra, "field": FIELD}, **exc.params)
    return renamed


def redeem_with_purchase(
    session: Session, purchase: Purchase, code: str, *, actor_user_id: int | None, now: datetime
) -> Coupon:
    """Redeem the member's coupon ``code`` against ``purchase`` (its amount is the purchase amount)."""
    assert purchase.id is not None
    try:
        coupon = get_coupon(session, code)
        if coupon.member_id != purchase.member_id:
            raise Invalid(FIELD, "purchases.coupon_belongs_another_member", code=format_code(coupon.code))
        return redeem(
            session,
            coupon.code,
            purchase_amount=purchase.amount,
            store_id=purchase.store_id,
            actor_user_id=actor_user_id or 0,
            now=now,
            purchase_id=purchase.id,
        )
    except DomainError as exc:
        raise _named(exc) from None


def redeemed_with(session: Session, purchase_id: int) -> Coupon | None:
    """The coupon redeemed as part of this purchase (still redeemed: a reversed one is not returned)."""
    return session.exec(
        select(Coupon)
        .join(CouponRedemption, col(CouponRedemption.coupon_id) == col(Coupon.id))
        .where(
            CouponRedemption.purchase_id == purchase_id,
            CouponRedemption.action == RedemptionAction.redeem,
            Coupon.status == CouponStatus.redeemed,
        )
        .order_by(col(CouponRedemption.id).desc())
        .limit(1)
    ).first()
