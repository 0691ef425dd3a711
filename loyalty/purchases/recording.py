"""Recording a purchase once per receipt id; the card rule is evaluated on each new one.

A receipt id already recorded for the same member returns the first purchase (``created`` False); for
another member it is a conflict. Two requests with one receipt at the same moment: the member's row lock
serialises them, and ``INSERT ... ON CONFLICT (receipt_id) DO NOTHING RETURNING`` catches the same receipt
arriving for two members at once (PostgreSQL waits for the other transaction, then inserts nothing).
One statement rather than a lookup, a SAVEPOINT and its release: the counter's hot path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from loyalty.accounts.audit import AUDIT, inserted_row
from loyalty.cards.issuing import current_card
from loyalty.core import dialect
from loyalty.core.clock import utcnow
from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.core.money import parse_amount
from loyalty.models.cards import Card
from loyalty.models.coupons import Coupon
from loyalty.models.members import Member
from loyalty.models.purchases import Purchase
from loyalty.models.stores import known_store
from loyalty.purchases.card_rule import CardRule, apply_card_rule
from loyalty.purchases.coupon_use import redeem_with_purchase, redeemed_with

# a till's clock may run a little ahead of ours; anything later than this is a typo, not a purchase
CLOCK_SKEW = timedelta(minutes=5)
HISTORY = timedelta(days=3653)  # a receipt older than ten years is a typo (year 1 overflowed the card rule)


@dataclass
class PurchaseOutcome:
    purchase: Purchase
    card: Card | None  # the member's current card after this purchase
    card_issued: bool  # this purchase issued it
    created: bool  # False: the receipt was already recorded, nothing new was written
    redeemed: Coupon | None = None  # the coupon redeemed with this purchase, if any


def record_purchase(
    session: Session,
    member_id: int,
    amount: Decimal,
    receipt_id: str,
    *,
    occurred_at: datetime | None = None,
    store_id: int | None = None,
    actor_user_id: int | None = None,
    rule: CardRule,
    now: datetime | None = None,
    coupon_code: str | None = None,
) -> PurchaseOutcome:
    """Record the purchase once per receipt; with ``coupon_code`` the member's coupon is redeemed in the same
    unit of work (a refusal raises, and the boundary's rollback records neither). A repeated receipt
    redeems nothing again and answers with what the first request redeemed."""
    now = now or utcnow()
    coupon_code = (coupon_code or "").strip() or None
    amount = _valid_amount(amount)
    receipt_id = _valid_receipt(receipt_id)
    occurred_at = _valid_time(occurred_at, now)

    # lock the member: one purchase per member at a time, so the card rule counts every committed purchase
    member = session.execute(_LOCK_MEMBER, {"member_id": member_id}).scalars().first()
    if member is None:
        raise NotFound("common.member_not_found", member_id=member_id)
    if store_id is not None:
        known_store(session, store_id)

    purchase = _insert_once(
        session,
        member_id=member_id,
        amount=amount,
        receipt_id=receipt_id,
        occurred_at=occurred_at,
        store_id=store_id,
        recorded_by_user_id=actor_user_id,
        created_at=now,
    )
    if purchase is not None:
        redeemed = None
        if coupon_code is not None:  # before the card rule: a refusal leaves no welcome queued
            redeemed = redeem_with_purchase(
                session, purchase, coupon_code, actor_user_id=actor_user_id, now=now
            )
        card, issued = apply_card_rule(session, member, purchase, rule, now)  # queues the welcome
        return PurchaseOutcome(purchase, card, issued, created=True, redeemed=redeemed)

    existing = _by_receipt(session, receipt_id)  # recorded before, or by a transaction committed meanwhile
    if existing is None:  # that transaction's purchase was removed since (an erase): ask the till to retry
        raise Conflict("purchases.receipt_changed_meanwhile_try_again", receipt_id=receipt_id)
    if existing.member_id != member_id:
        raise Conflict(
            "purchases.receipt_already_recorded_another_member",
            receipt_id=receipt_id,
            extra={"purchase_id": existing.id, "member_id": existing.member_id},
        )
    assert existing.id is not None
    return PurchaseOutcome(
        existing,
        current_card(session, member_id),
        card_issued=False,
        created=False,
        redeemed=redeemed_with(session, existing.id),
    )


PURCHASES: sa.Table = Purchase.__table__  # type: ignore[attr-defined]
_LOCK_MEMBER = select(Member).where(Member.id == sa.bindparam("member_id")).with_for_update()  # built once


def _insert_once(session: Session, **values: Any) -> Purchase | None:
    """The new purchase and its audit row, or None when its receipt id is already recorded (nothing
    written). On PostgreSQL one statement: the audit row is inserted from the purchase's ``RETURNING``."""
    audit = inserted_row(session, Purchase(**values))
    row = dialect.insert_then(
        session, PURCHASES, values, conflict="receipt_id", then=AUDIT, then_values=audit, key="target_id"
    )
    if row is None:
        return None
    purchase = Purchase(**row._mapping)
    make_transient_to_detached(purchase)
    session.add(purchase)  # persistent as loaded: the identity map knows it, nothing more is written
    return purchase


def _by_receipt(session: Session, receipt_id: str) -> Purchase | None:
    return session.exec(select(Purchase).where(Purchase.receipt_id == receipt_id)).first()


def _valid_amount(amount: Decimal | int | str) -> Decimal:
    value = parse_amount(amount, "amount")
    assert value is not None  # required
    return value


def _valid_receipt(receipt_id: str) -> str:
    value = (receipt_id or "").strip()
    if not value:
        raise Invalid("receipt_id", "purchases.receipt_id_required")
    if len(value) > 64:
        raise Invalid("receipt_id", "purchases.receipt_id_longer_than_64")
    return value


def _valid_time(occurred_at: datetime | None, now: datetime) -> datetime:
    if occurred_at is None:
        return now
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise Invalid("occurred_at", "purchases.occurred_needs_time_zone_offset")
    if occurred_at > now + CLOCK_SKEW:
        raise Invalid("occurred_at", "purchases.occurred_future")
    if occurred_at < now - HISTORY:
        raise Invalid("occurred_at", "purchases.occurred_more_than_10_years")
    return occurred_at
