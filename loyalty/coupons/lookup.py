"""Finding coupons: by code as typed, a member's active ones, a coupon's redemption audit."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from loyalty.core.clock import utcnow
from loyalty.core.errors import NotFound
from loyalty.coupons.codes import format_code, normalize_code
from loyalty.models.coupons import Coupon, CouponRedemption, CouponStatus


def get_coupon(session: Session, code: str) -> Coupon:
    """The coupon with this code as typed (any case, hyphens optional); NotFound otherwise."""
    bare = normalize_code(code)
    coupon = session.exec(select(Coupon).where(Coupon.code == bare)).first()
    if coupon is None:
        raise NotFound("coupons.code_unknown", bare=format_code(bare))
    return coupon


def active_coupons(session: Session, member_id: int, now: datetime | None = None) -> list[Coupon]:
    """The member's coupons that can be redeemed now, soonest to expire first."""
    now = now or utcnow()
    query = (
        select(Coupon)
        .where(
            Coupon.member_id == member_id,
            Coupon.status == CouponStatus.issued,
            col(Coupon.valid_from) <= now,
            col(Coupon.expires_at) > now,
        )
        .order_by(col(Coupon.expires_at), col(Coupon.id))
    )
    return list(session.exec(query))


def redemption_audit(session: Session, coupon_id: int) -> list[CouponRedemption]:
    query = (
        select(CouponRedemption)
        .where(CouponRedemption.coupon_id == coupon_id)
        .order_by(col(CouponRedemption.at), col(CouponRedemption.id))
    )
    return list(session.exec(query))
