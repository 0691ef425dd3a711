"""Coupon views: what the counter sees (whose it is, redeemable now or why not, where it was used)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.core.i18n import gettext
from loyalty.coupons.codes import format_code
from loyalty.coupons.schemas import CouponPublic, CouponSummary, OfferPublic, RedemptionPublic
from loyalty.models.coupons import Coupon, CouponStatus
from loyalty.models.members import Member
from loyalty.models.stores import Store
from loyalty.models.users import User


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def unusable_reason(coupon: Coupon, now: datetime) -> tuple[str, str] | None:
    """Why the coupon cannot be redeemed at ``now`` as (message key, its time), None when it can."""
    if coupon.status == CouponStatus.redeemed:
        return "coupons.reason_redeemed", _when(coupon.redeemed_at) if coupon.redeemed_at else "?"
    if coupon.status == CouponStatus.cancelled:
        return "coupons.reason_cancelled", ""
    if coupon.status == CouponStatus.expired or coupon.expires_at <= now:
        return "coupons.reason_expired", _when(coupon.expires_at)
    if coupon.valid_from > now:
        return "coupons.reason_not_yet", _when(coupon.valid_from)
    return None


def offer_public(coupon: Coupon) -> OfferPublic:
    return OfferPublic(
        kind=coupon.offer_kind,
        value=coupon.offer_value,
        min_purchase=coupon.min_purchase,
        currency=coupon.currency,
    )


def coupon_summary(coupon: Coupon) -> CouponSummary:
    return CouponSummary(
        code=format_code(coupon.code),
        status=coupon.status,
        offer=offer_public(coupon),
        valid_from=coupon.valid_from,
        expires_at=coupon.expires_at,
        campaign_id=coupon.campaign_id,
    )


def coupon_public(
    session: Session, coupon: Coupon, now: datetime | None = None, *, lang: str = "tr"
) -> CouponPublic:
    """The coupon as the counter sees it (member name, redeemable now or why not — in ``lang`` —, where it
    was used)."""
    now = now or utcnow()
    member = session.get(Member, coupon.member_id)
    store = session.get(Store, coupon.redeemed_store_id) if coupon.redeemed_store_id else None
    user = session.get(User, coupon.redeemed_by_user_id) if coupon.redeemed_by_user_id else None
    reason = unusable_reason(coupon, now)
    return CouponPublic(
        **coupon_summary(coupon).model_dump(),
        member_id=coupon.member_id,
        member_name=member.full_name if member else "",
        run_id=coupon.run_id,
        redeemable_now=reason is None,
        reason=gettext(reason[0], lang, when=reason[1]) if reason else None,
        reason_key=reason[0] if reason else None,
        redeemed_at=coupon.redeemed_at,
        redeemed_store_id=coupon.redeemed_store_id,
        redeemed_store_name=store.name if store else None,
        redeemed_by=user.username if user else None,
        redeemed_purchase_amount=coupon.redeemed_purchase_amount,
        redeemed_discount=coupon.redeemed_discount,
    )


def redemption_public(
    session: Session,
    coupon: Coupon,
    purchase_amount: Decimal | None,
    now: datetime | None = None,
    *,
    lang: str = "tr",
) -> RedemptionPublic:
    discount = coupon.redeemed_discount
    due = None if purchase_amount is None or discount is None else max(purchase_amount - discount, Decimal(0))
    return RedemptionPublic(
        **coupon_public(session, coupon, now, lang=lang).model_dump(),
        purchase_amount=purchase_amount,
        discount=discount,
        amount_due=due,
    )
