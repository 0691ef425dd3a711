"""Redeeming exactly once, and undoing it.

Redeeming is one conditional ``UPDATE ... WHERE status = 'issued' AND expires_at > now RETURNING``: under
any concurrency exactly one transaction changes the row, every other one finds it redeemed. Every
redemption and reversal appends an audit row."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core.db import utcnow
from loyalty.core.errors import Conflict, Gone, Invalid
from loyalty.core.money import CENT, MAX_MONEY
from loyalty.coupons.codes import format_code
from loyalty.coupons.issuing import C
from loyalty.coupons.lookup import get_coupon
from loyalty.coupons.offers import coupon_offer
from loyalty.coupons.views import _when
from loyalty.models.coupons import COUPONS, Coupon, CouponRedemption, CouponStatus, RedemptionAction
from loyalty.models.stores import Store
from loyalty.models.users import User


def _refuse(session: Session, coupon: Coupon, now: datetime) -> None:
    """Raise the error that says why ``coupon`` cannot be redeemed now (nothing if it can)."""
    code = format_code(coupon.code)
    if coupon.status == CouponStatus.redeemed:
        store = session.get(Store, coupon.redeemed_store_id) if coupon.redeemed_store_id else None
        user = session.get(User, coupon.redeemed_by_user_id) if coupon.redeemed_by_user_id else None
        when = _when(coupon.redeemed_at) if coupon.redeemed_at else "?"
        where = f" at {store.name}" if store else ""
        where_tr = f" {store.name} mağazasında" if store else ""
        raise Conflict(
            f"coupon {code} already redeemed on {when}{where} / kupon {when} tarihinde{where_tr} kullanıldı",
            code=code,
            redeemed_at=coupon.redeemed_at.isoformat() if coupon.redeemed_at else None,
            store_id=coupon.redeemed_store_id,
            store_name=store.name if store else None,
            redeemed_by=user.username if user else None,
        )
    if coupon.status == CouponStatus.cancelled:
        raise Gone(f"coupon {code} was cancelled / kupon iptal edildi", code=code)
    if coupon.status == CouponStatus.expired or coupon.expires_at <= now:
        when = _when(coupon.expires_at)
        raise Gone(
            f"coupon {code} expired on {when} / kuponun süresi {when} tarihinde doldu",
            code=code,
            expires_at=coupon.expires_at.isoformat(),
        )
    if coupon.valid_from > now:
        when = _when(coupon.valid_from)
        raise Conflict(
            f"coupon {code} is not valid before {when} / kupon {when} tarihinden önce geçerli değil",
            code=code,
            valid_from=coupon.valid_from.isoformat(),
        )


def _money(field: str, value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        raise Invalid(field, f"{field} must be an amount of money / geçerli bir tutar girin") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        raise Invalid(field, f"{field} must be an amount of 0 or more / {field} 0 ya da üstü olmalı")
    if amount != amount.quantize(CENT):
        raise Invalid(field, f"{field} has more than 2 decimals / en fazla 2 ondalık basamak")
    return amount.quantize(CENT)


def _check_store(session: Session, store_id: int | None) -> None:
    if store_id is not None and session.get(Store, store_id) is None:
        raise Invalid("store_id", f"there is no store {store_id} / {store_id} numaralı mağaza yok")


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
        given = "none given / girilmedi" if amount is None else f"{amount} {coupon.currency}"
        raise Invalid(
            "purchase_amount",
            f"this coupon needs a purchase of at least {minimum} {coupon.currency}; "
            f"purchase_amount: {given} / "
            f"bu kupon en az {minimum} {coupon.currency} alışverişte geçerli",
            min_purchase=str(minimum),
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
        .values(
            status=CouponStatus.redeemed.value,
            redeemed_at=now,
            redeemed_store_id=store_id,
            redeemed_by_user_id=actor_user_id,
            redeemed_purchase_amount=amount,
            redeemed_discount=discount,
        )
        .returning(C.id)
    ).first()
    session.refresh(coupon)
    if won is None:  # someone else got there first, or it expired a moment ago
        _refuse(session, coupon, now)
        raise Conflict(f"coupon {format_code(coupon.code)} cannot be redeemed now / kupon şu an kullanılamaz")
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
        raise Invalid("reason", "a reason is required to reverse a redemption / geri alma nedeni gerekli")
    if len(reason) > 500:
        raise Invalid("reason", "reason must be at most 500 characters / neden en çok 500 karakter")
    coupon = get_coupon(session, code)
    _check_store(session, store_id)
    back = sa.case((C.expires_at > now, CouponStatus.issued.value), else_=CouponStatus.expired.value)
    done = session.execute(
        sa.update(COUPONS)
        .where(C.id == coupon.id, C.status == CouponStatus.redeemed.value)
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
    session.refresh(coupon)
    if done is None:
        code = format_code(coupon.code)
        raise Conflict(
            f"coupon {code} is not redeemed (status: {coupon.status}) / kupon kullanılmamış",
            code=code,
            status=str(coupon.status),
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
    return coupon
