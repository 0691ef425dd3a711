"""Recording a purchase once per receipt id; the card rule is evaluated on each new one.

A receipt id already recorded for the same member returns the first purchase (``created`` False); for
another member it is a conflict. Two requests with one receipt at the same moment: the member's row lock
serialises them, and ``INSERT ... ON CONFLICT (receipt_id) DO NOTHING RETURNING`` catches the same receipt
arriving for two members at once (PostgreSQL waits for the other transaction, then inserts nothing).
One statement rather than a lookup, a SAVEPOINT and its release: the counter's hot path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from loyalty.accounts.audit import AUDIT, inserted_row
from loyalty.cards.issuing import current_card
from loyalty.core.db import utcnow
from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.models.cards import Card
from loyalty.models.coupons import Coupon
from loyalty.models.members import Member
from loyalty.models.purchases import Purchase
from loyalty.models.stores import Store
from loyalty.purchases.card_rule import CardRule, apply_card_rule
from loyalty.purchases.coupon_use import redeem_with_purchase, redeemed_with

# a till's clock may run a little ahead of ours; anything later than this is a typo, not a purchase
CLOCK_SKEW = timedelta(minutes=5)
HISTORY = timedelta(days=3653)  # a receipt older than ten years is a typo (year 1 overflowed the card rule)


MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2)


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
    member = session.exec(select(Member).where(Member.id == member_id).with_for_update()).first()
    if member is None:
        raise NotFound(f"member {member_id} not found / üye bulunamadı")
    if store_id is not None and session.get(Store, store_id) is None:
        raise Invalid("store_id", f"store {store_id} does not exist / mağaza bulunamadı")

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
        raise Conflict(
            f"receipt {receipt_id} changed meanwhile, try again / fiş az önce değişti, tekrar deneyin"
        )
    if existing.member_id != member_id:
        raise Conflict(
            f"receipt {receipt_id} is already recorded for another member / bu fiş başka bir üyeye kayıtlı",
            purchase_id=existing.id,
            member_id=existing.member_id,
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


def _insert_once(session: Session, **values: Any) -> Purchase | None:
    """The new purchase and its audit row, or None when its receipt id is already recorded (nothing
    written). On PostgreSQL one statement: the audit row is inserted from the purchase's ``RETURNING``."""
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if postgres else sqlite.insert
    statement = (
        insert(PURCHASES)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["receipt_id"])
        .returning(*PURCHASES.c)
    )
    audit = inserted_row(session, Purchase(**values))
    if audit is not None and postgres:
        new = statement.cte("new_purchase")
        names = [name for name in audit if name != "target_id"]
        audit_insert = sa.insert(AUDIT).from_select(
            [*names, "target_id"],
            sa.select(*(sa.literal(audit[name], AUDIT.c[name].type) for name in names), new.c.id),
        )
        row = session.execute(sa.select(new).add_cte(audit_insert.cte("audit_row"))).first()
    else:
        row = session.execute(statement).first()
        if row is not None and audit is not None:
            session.execute(sa.insert(AUDIT).values(**{**audit, "target_id": row.id}))
    if row is None:
        return None
    purchase = Purchase(**row._mapping)
    make_transient_to_detached(purchase)
    session.add(purchase)  # persistent as loaded: the identity map knows it, nothing more is written
    return purchase


def _by_receipt(session: Session, receipt_id: str) -> Purchase | None:
    return session.exec(select(Purchase).where(Purchase.receipt_id == receipt_id)).first()


def _valid_amount(amount: Decimal | int | str) -> Decimal:
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise Invalid("amount", "amount must be a number / tutar sayı olmalı") from None
    if not value.is_finite() or value <= 0:
        raise Invalid("amount", "amount must be greater than 0 / tutar 0'dan büyük olmalı")
    if value > MAX_AMOUNT or value != value.quantize(Decimal("0.01")):
        raise Invalid(
            "amount",
            "amount must have at most 2 decimals and 10 digits / tutar en çok 2 ondalık, 10 hane olmalı",
        )
    return value.quantize(Decimal("0.01"))


def _valid_receipt(receipt_id: str) -> str:
    value = (receipt_id or "").strip()
    if not value:
        raise Invalid("receipt_id", "receipt_id is required / fiş numarası gerekli")
    if len(value) > 64:
        raise Invalid(
            "receipt_id", "receipt_id is longer than 64 characters / fiş numarası en fazla 64 karakter"
        )
    return value


def _valid_time(occurred_at: datetime | None, now: datetime) -> datetime:
    if occurred_at is None:
        return now
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise Invalid(
            "occurred_at",
            "occurred_at needs a time zone offset, e.g. 2026-05-01T14:30:00+03:00 / saat dilimi belirtilmeli",
        )
    if occurred_at > now + CLOCK_SKEW:
        raise Invalid("occurred_at", "occurred_at is in the future / alışveriş zamanı gelecekte olamaz")
    if occurred_at < now - HISTORY:
        raise Invalid(
            "occurred_at",
            "occurred_at is more than 10 years ago / alışveriş zamanı 10 yıldan eski olamaz",
        )
    return occurred_at
