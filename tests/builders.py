"""Plain builder functions: ``make_member(session, ...)`` makes a row with sensible defaults and flushes."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlmodel import Session, select

from loyalty.accounts.users import _hasher
from loyalty.core.db import utcnow
from loyalty.core.settings import Settings
from loyalty.core.text import search_key
from loyalty.coupons.issuing import issue_coupons
from loyalty.coupons.offers import Offer
from loyalty.models.campaigns import Campaign, CampaignRun
from loyalty.models.coupons import Coupon
from loyalty.models.members import Member
from loyalty.models.purchases import Purchase
from loyalty.models.stores import Store
from loyalty.models.users import Role, User

_seq = itertools.count(1)

# the shop's settings for service calls in tests that need no database URL of their own
SHOP = Settings(
    env="test",
    secret_key="test-secret-key-not-for-production-0123456789",
    database_url="sqlite://",
    public_base_url="http://testserver",
)


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
    """A member row with consent flags set directly (ledger tests go through loyalty.members.consent)."""
    n = next(_seq)
    member = Member(
        full_name=full_name,
        name_search=search_key(full_name),
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


def make_campaign_run(session: Session, run_key: str | None = None, **campaign_fields: object) -> Any:
    """A campaign (holiday trigger, 15 % off) and one scheduled run of it: what coupons hang on."""

    values: dict[str, object] = {
        "name": "Kurban Bayramı",
        "trigger_type": "holiday",
        "holiday_key": "kurban_bayrami",
        "offer_kind": "percent",
        "offer_value": Decimal("15"),
        "created_by": "user:test",
        **campaign_fields,
    }
    campaign = Campaign(**values)  # type: ignore[arg-type]
    session.add(campaign)
    session.flush()
    now = utcnow()
    run = CampaignRun(
        campaign_id=campaign.id,
        run_key=run_key or f"run-{next(_seq)}",
        send_date=now.date(),
        send_time="10:00",
        issue_at=now,
    )
    session.add(run)
    session.flush()
    return run


def make_coupon(
    session: Session,
    member: Member,
    *,
    run: Any = None,
    kind: str = "percent",
    value: str = "15",
    min_purchase: str | None = None,
    valid_from: datetime | None = None,
    expires_at: datetime | None = None,
) -> Any:
    """One issued coupon for ``member`` (through ``loyalty.coupons.issue_coupons``)."""

    run = run or make_campaign_run(session)
    start = valid_from or utcnow() - timedelta(hours=1)
    minimum = None if min_purchase is None else Decimal(min_purchase)
    offer = Offer(kind, Decimal(value), minimum, valid_days=14, currency="TRY")
    issue_coupons(
        session,
        campaign_id=run.campaign_id,
        run_id=run.id,
        members=[(member.id or 0, start, expires_at or start + timedelta(days=14))],
        offer=offer,
    )
    return session.exec(select(Coupon).where(Coupon.run_id == run.id, Coupon.member_id == member.id)).one()
