"""Plain builder functions: ``make_member(session, ...)`` makes a row with sensible defaults and flushes."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from sqlmodel import Session

from loyalty.db import utcnow
from loyalty.members import Member
from loyalty.purchases import Purchase
from loyalty.stores import Store
from loyalty.text import fold
from loyalty.users import Role, User, _hasher

_seq = itertools.count(1)


@lru_cache
def _password_hash(password: str) -> str:
    return _hasher.hash(password)


def make_user(
    session: Session, role: str = "staff", username: str | None = None, password: str = "secret-pass"
) -> User:
    user = User(
        username=username or f"{role}-{next(_seq)}", role=Role(role), password_hash=_password_hash(password)
    )
    session.add(user)
    session.flush()
    return user


def make_store(session: Session, code: str | None = None, name: str = "Kadıköy") -> Store:
    store = Store(code=code or f"S{next(_seq)}", name=name)
    session.add(store)
    session.flush()
    return store


def make_member(
    session: Session,
    full_name: str = "Ayşe Yılmaz",
    phone: str | None = None,
    *,
    email: str | None = None,
    sms: bool = True,
    email_opt_in: bool = False,
    timezone: str = "Europe/Istanbul",
    locale: str = "tr",
    **fields: object,
) -> Member:
    """A member row with consent flags set directly (the consent ledger tests go through loyalty.consent)."""
    n = next(_seq)
    member = Member(
        full_name=full_name,
        name_search=fold(full_name),
        phone=phone or f"+90532{n:07d}",
        email=email,
        sms_opt_in=sms,
        email_opt_in=email_opt_in,
        timezone=timezone,
        locale=locale,
        **fields,  # type: ignore[arg-type]
    )
    session.add(member)
    session.flush()
    return member


def make_purchase(
    session: Session,
    member: Member,
    amount: str = "100.00",
    *,
    occurred_at: datetime | None = None,
    receipt_id: str | None = None,
) -> Purchase:
    purchase = Purchase(
        member_id=member.id,
        amount=Decimal(amount),
        occurred_at=occurred_at or utcnow(),
        receipt_id=receipt_id or f"R-{next(_seq)}",
    )
    session.add(purchase)
    session.flush()
    return purchase
