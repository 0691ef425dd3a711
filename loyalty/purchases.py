"""Purchases: recorded once per receipt id; the card rule is evaluated on each new one.

Idempotency: a receipt id already recorded for the same member returns the first purchase (``created``
False); for another member it is a conflict. Two requests with one receipt at the same moment: the
member's row lock serialises them, and the unique constraint on ``receipt_id`` (INSERT inside a
SAVEPOINT) catches the same receipt arriving for two members at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from loyalty.cards import Card, CardPublic, current_card, issue_card
from loyalty.cards import to_public as card_to_public
from loyalty.db import RowId, UTCDateTime, utcnow
from loyalty.errors import Conflict, Invalid, NotFound
from loyalty.feedback import is_detractor, latest_feedback
from loyalty.members import Member
from loyalty.settings import Settings
from loyalty.stores import Store

# a till's clock may run a little ahead of ours; anything later than this is a typo, not a purchase
CLOCK_SKEW = timedelta(minutes=5)
HISTORY = timedelta(days=3653)  # a receipt older than ten years is a typo (year 1 overflowed the card rule)
MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2)


class PurchaseBase(SQLModel):
    amount: Decimal = Field(sa_type=sa.Numeric(12, 2))
    receipt_id: str = Field(max_length=64, unique=True)
    store_id: int | None = Field(default=None, foreign_key="stores.id")


class Purchase(PurchaseBase, table=True):
    __tablename__ = "purchases"
    __table_args__ = (sa.Index("ix_purchases_member_occurred", "member_id", "occurred_at"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PurchaseCreate(SQLModel):
    amount: Decimal
    receipt_id: str
    occurred_at: datetime | None = None
    store_id: RowId | None = None


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


@dataclass(frozen=True)
class CardRule:
    """A card is earned by the ``purchases_needed``-th purchase within ``window_days``."""

    purchases_needed: int = 3
    window_days: int = 180

    @classmethod
    def from_settings(cls, settings: Settings) -> CardRule:
        return cls(purchases_needed=settings.card_purchases_needed, window_days=settings.card_window_days)


@dataclass
class PurchaseOutcome:
    purchase: Purchase
    card: Card | None  # the member's current card after this purchase
    card_issued: bool  # this purchase issued it
    created: bool  # False: the receipt was already recorded, nothing new was written


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
) -> PurchaseOutcome:
    now = now or utcnow()
    amount = _valid_amount(amount)
    receipt_id = _valid_receipt(receipt_id)
    occurred_at = _valid_time(occurred_at, now)

    # lock the member: one purchase per member at a time, so the card rule counts every committed purchase
    member = session.exec(select(Member).where(Member.id == member_id).with_for_update()).first()
    if member is None:
        raise NotFound(f"member {member_id} not found / üye bulunamadı")
    if store_id is not None and session.get(Store, store_id) is None:
        raise Invalid("store_id", f"store {store_id} does not exist / mağaza bulunamadı")

    existing = _by_receipt(session, receipt_id)
    if existing is None:
        purchase = Purchase(
            member_id=member_id,
            amount=amount,
            receipt_id=receipt_id,
            occurred_at=occurred_at,
            store_id=store_id,
            recorded_by_user_id=actor_user_id,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(purchase)
                session.flush()
        except IntegrityError:
            existing = _by_receipt(session, receipt_id)  # another transaction committed it meanwhile
            if existing is None:
                raise
        else:
            card, issued = _apply_card_rule(session, member, purchase, rule, now)  # queues the welcome
            return PurchaseOutcome(purchase, card, issued, created=True)

    if existing.member_id != member_id:
        raise Conflict(
            f"receipt {receipt_id} is already recorded for another member / bu fiş başka bir üyeye kayıtlı",
            purchase_id=existing.id,
            member_id=existing.member_id,
        )
    return PurchaseOutcome(existing, current_card(session, member_id), card_issued=False, created=False)


def purchase_result(outcome: PurchaseOutcome) -> PurchaseResult:
    p = outcome.purchase
    assert p.id is not None
    return PurchaseResult(
        purchase=PurchasePublic(
            id=p.id,
            member_id=p.member_id,
            amount=p.amount,
            receipt_id=p.receipt_id,
            occurred_at=p.occurred_at,
            store_id=p.store_id,
            created_at=p.created_at,
        ),
        card=card_to_public(outcome.card) if outcome.card is not None else None,
        card_issued=outcome.card_issued,
    )


def qualifies_for_card(times: list[datetime], new: datetime, rule: CardRule) -> bool:
    """Is there a window of ``window_days`` holding ``purchases_needed`` purchases, the new one among them?

    ``times`` are all the member's purchase times near ``new`` (including it). A late-entered receipt
    can complete a window that lies before or after it, hence the sliding check rather than a count.
    """
    window = timedelta(days=rule.window_days)
    ordered = sorted(times)
    n = rule.purchases_needed
    for start in range(len(ordered) - n + 1):
        first, last = ordered[start], ordered[start + n - 1]
        if last - first <= window and first <= new <= last:
            return True
    return False


def _apply_card_rule(
    session: Session, member: Member, purchase: Purchase, rule: CardRule, now: datetime
) -> tuple[Card | None, bool]:
    assert member.id is not None
    card = current_card(session, member.id)
    if card is not None:
        return card, False
    window = timedelta(days=rule.window_days)
    times = list(
        session.exec(
            select(Purchase.occurred_at).where(
                Purchase.member_id == member.id,
                col(Purchase.occurred_at) >= purchase.occurred_at - window,
                col(Purchase.occurred_at) <= purchase.occurred_at + window,
            )
        )
    )
    if not qualifies_for_card(times, purchase.occurred_at, rule):
        return None, False
    feedback = latest_feedback(session, member.id)
    held = feedback is not None and is_detractor(feedback.score)
    return issue_card(session, member.id, member.full_name, pending_review=held, now=now)


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
