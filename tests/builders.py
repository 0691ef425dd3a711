"""Plain builder functions: ``make_member(session, ...)`` makes a row with sensible defaults and flushes."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlmodel import Session, select

from loyalty.accounts.users import _hasher
from loyalty.campaigns.content import RunMessages, queue_campaign_messages
from loyalty.campaigns.lifecycle import campaign_runs, create_campaign
from loyalty.campaigns.running import AUDIENCE_BATCH, member_batches, run_audience
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.campaigns.triggers.registry import trigger_of
from loyalty.core.clock import utcnow
from loyalty.core.settings import Settings
from loyalty.core.text import search_key
from loyalty.core.tokens import access_token
from loyalty.coupons.issuing import issue_coupons
from loyalty.coupons.offers import Offer
from loyalty.models.campaigns import Campaign, CampaignRun
from loyalty.models.coupons import Coupon
from loyalty.models.members import Member
from loyalty.models.occasions import Occasion
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


def bearer(settings: Settings, user: User) -> dict[str, str]:
    """Authorization headers of ``user``, the token minted as signing in would: each sign-in costs an Argon2
    verification (a large part of the API tests' time); signing in itself is tested in test_accounts.py."""
    assert user.id is not None
    token = access_token(settings, user.id, str(user.role), user.token_version, utcnow())
    return {"Authorization": f"Bearer {token}"}


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
        run_key=run_key or str(now.year),  # a holiday trigger's runs are keyed by their year
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


def make_occasion(session: Session, member: Member, **fields: object) -> Occasion:
    """An occasion the member stated: their own yearly birthday on 4 March unless ``fields`` say otherwise."""
    values: dict[str, object] = {
        "member_id": member.id or 0,
        "kind": "birthday",
        "for_whom": "self",
        "purpose": "doğum günüm",
        "month": 3,
        "day": 4,
        "recurrence": "yearly",
        "stated_by": "member",
        **fields,
    }
    occasion = Occasion(**values)  # type: ignore[arg-type]
    session.add(occasion)
    session.flush()
    return occasion


def make_birthday_campaign_run(session: Session, *, now: datetime) -> CampaignRun:
    """A birthday occasion campaign (15 % for 7 days, SMS, 3 days before at 10:00) and its first run."""
    data = CampaignCreate.model_validate(
        {
            "name": "Doğum günü %15",
            "trigger": {"type": "occasion", "kinds": ["birthday"], "days_before": 3, "send_time": "10:00"},
            "audience": {},
            "offer": {"kind": "percent", "value": "15", "valid_days": 7},
            "channel": "sms",
        }
    )
    campaign = create_campaign(session, data, actor="user:mk", now=now, settings=SHOP)
    return campaign_runs(session, campaign.id or 0)[0]


def queue_run_messages(session: Session, run_id: int, now: datetime, lapsed_days: int | None = None) -> int:
    """What a run does after issuing, again: its audience (channel included) read in member batches and
    each batch's messages queued on the channel the audience computed. Returns how many were new."""
    run = session.get(CampaignRun, run_id)
    assert run is not None
    campaign = session.get(Campaign, run.campaign_id)
    assert campaign is not None
    per_occasion = trigger_of(campaign).per_occasion
    query = run_audience(campaign, run, now, lapsed_days=lapsed_days, per_occasion=per_occasion)
    content = RunMessages(session, campaign, run)
    return sum(
        queue_campaign_messages(session, content, batch, now=now)
        for batch in member_batches(session.execute(query), AUDIENCE_BATCH)
    )
