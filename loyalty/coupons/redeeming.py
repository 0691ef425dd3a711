"""Redeeming exactly once, and undoing it.

Redeeming is one conditional ``UPDATE ... WHERE status = 'issued' AND expires_at > now RETURNING``: under
any concurrency exactly one transaction changes the row, every other one finds it redeemed. Every
redemption and reversal appends an audit row."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.core.errors import Conflict, Gone, Invalid
from loyalty.core.money import ZERO, parse_amount
from loyalty.coupons.codes import format_code
from loyalty.coupons.issuing import C
from loyalty.coupons.lookup import get_coupon
from loyalty.coupons.offers import coupon_offer
from loyalty.coupons.views import _when
from loyalty.messaging import pass_updates
from loyalty.models.coupons import COUPONS, Coupon, CouponRedemption, CouponStatus, RedemptionAction
from loyalty.models.stores import Store, known_store
from loyalty.models.users import User


def _refuse(session: Session, coupon: Coupon, now: datetime) -> None:
    """Raise the error that says why ``coupon`` cannot be redeemed now (nothing if it can)."""
    code = format_code(coupon.code)
    if coupon.status == CouponStatus.redeemed:
        store = session.get(Store, coupon.redeemed_store_id) if coupon.redeemed_store_id else None
        user = session.get(User, coupon.redeemed_by_user_id) if coupon.redeemed_by_user_id else None
        when = _when(coupon.redeemed_at) if coupon.redeemed_at else "?"
        raise Conflict(
            "coupons.redeemed_at_store" if store else "coupons.redeemed",
            code=code,
            when=when,
            store=store.name if store else "",
            extra={
                "code": code,
                "redeemed_at": coupon.redeemed_at.isoformat() if coupon.redeemed_at else None,
                "store_id": coupon.redeemed_store_id,
                "store_name": store.name if store else None,
                "redeemed_by": user.username if user else None,
            },
        )
    if coupon.status == CouponStatus.cancelled:
        raise Gone("coupons.coupon_was_cancelled", code=code, extra={"code": code})
    if coupon.status == CouponStatus.expired or coupon.expires_at <= now:
        when = _when(coupon.expires_at)
        raise Gone(
            "coupons.coupon_expired",
            code=code,
            when=when,
            extra={"code": code, "expires_at": coupon.expires_at.isoformat()},
        )
    if coupon.valid_from > now:
        when = _when(coupon.valid_from)
        raise Conflict(
            "coupons.coupon_valid_before",
            code=code,
            when=when,
            extra={"code": code, "valid_from": coupon.valid_from.isoformat()},
        )


def _money(field: str, value: Decimal | None) -> Decimal | None:
    return parse_amount(value, field, minimum=ZERO, required=False)


def _check_store(session: Session, store_id: int | None) -> None:
    if store_id is not None:
        known_store(session, store_id)


def redeem(
    session: Session,
    code: str,
    *,
    purchase_amount: Decimal | None = None,
    store_id: int | None = None,
    actor_user_id: int,
    now: datetime | None = None,
    purchase_id: int | None = None,
) -> Coupon:
    """Redeem the coupon once: one conditional UPDATE decides, whatever else runs at the same moment.

    NotFound (unknown code), Conflict (already redeemed: when, where, by whom), Gone (expired: the expiry;
    cancelled), Invalid("purchase_amount") below the offer's minimum purchase. Records the store, the
    staff user, the time, the purchase amount and the discount; appends an audit row. Flushes only."""
    now = now or utcnow()
    amount = _money("purchase_amount", purchase_amount)
    coupon = get_coupon(session, code)
    _refuse(session, coupon, now)
    minimum = coupon.min_purchase
    if minimum is not None and minimum > 0 and (amount is None or amount < minimum):
        raise Invalid(
            "purchase_amount",
            "coupons.min_purchase_none" if amount is None else "coupons.min_purchase",
            minimum=minimum,
            currency=coupon.currency,
            given=amount,
            extra={"min_purchase": str(minimum)},
        )
    _check_store(session, store_id)
    discount = coupon_offer(coupon).discount_for(amount)
    won = session.execute(
        sa.update(COUPONS)
        .where(
            C.id == coupon.id,
            C.status == CouponStatus.issued.value,
            C.expires_at > now,
            C.valid_from <= now,
        )
        .values(redeemed_values(now, store_id, actor_user_id, amount, discount))
        .returning(C.id)
    ).first()
    session.refresh(coupon)
    if won is None:  # someone else got there first, or it expired a moment ago
        _refuse(session, coupon, now)
        raise Conflict("coupons.coupon_redeemed_now", code=format_code(coupon.code))
    session.add(
        CouponRedemption(
            coupon_id=coupon.id or 0,
            action=RedemptionAction.redeem,
            at=now,
            user_id=actor_user_id,
            store_id=store_id,
            purchase_amount=amount,
            discount=discount,
            purchase_id=purchase_id,
        )
    )
    session.flush()
    pass_updates.coupons_changed(session, [coupon.id or 0], now)  # the wallet pass lists it no more
    return coupon


def reverse_redemption(
    session: Session,
    code: str,
    *,
    reason: str,
    actor_user_id: int,
    store_id: int | None = None,
    now: datetime | None = None,
) -> Coupon:
    """Undo a redemption (a mistake at the counter, a returned purchase): the coupon is usable again until
    it expires; the redemption and its reversal stay in the audit. Conflict if it is not redeemed."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason", "coupons.reason_required_reverse_redemption")
    if len(reason) > 500:
        raise Invalid("reason", "common.reason_most_500_characters")
    coupon = get_coupon(session, code)
    _check_store(session, store_id)
    done = mark_unredeemed(session, coupon.id or 0, now)
    session.refresh(coupon)
    if not done:
        code = format_code(coupon.code)
        raise Conflict(
            "coupons.coupon_redeemed_status",
            code=code,
            status=coupon.status,
            extra={"code": code, "status": str(coupon.status)},
        )
    session.add(
        CouponRedemption(
            coupon_id=coupon.id or 0,
            action=RedemptionAction.reverse,
            at=now,
            user_id=actor_user_id,
            store_id=store_id,
            reason=reason,
        )
    )
    session.flush()
    pass_updates.coupons_changed(session, [coupon.id or 0], now)  # usable again: back on the pass
    return coupon


def redeemed_values(
    at: datetime, store_id: int | None, user_id: int | None, amount: Decimal | None, discount: Decimal | None
) -> dict[str, Any]:
    """The columns a redemption sets (the counter's, or one re-applied after a restore)."""
    return {
        "status": CouponStatus.redeemed.value,
        "redeemed_at": at,
        "redeemed_store_id": store_id,
        "redeemed_by_user_id": user_id,
        "redeemed_purchase_amount": amount,
        "redeemed_discount": discount,
    }


def mark_unredeemed(session: Session, coupon_id: int, at: datetime) -> bool:
    """A redeemed coupon back to issued (expired if its end has passed at ``at``); False if it was not
    redeemed. The caller records the reversal (its audit row)."""
    back = sa.case((C.expires_at > at, CouponStatus.issued.value), else_=CouponStatus.expired.value)
    done = session.execute(
        sa.update(COUPONS)
        .where(C.id == coupon_id, C.status == CouponStatus.redeemed.value)
        .values(
            status=back,
            redeemed_at=None,
            redeemed_store_id=None,
            redeemed_by_user_id=None,
            redeemed_purchase_amount=None,
            redeemed_discount=None,
        )
        .returning(C.id)
    ).first()
    return done is not None
