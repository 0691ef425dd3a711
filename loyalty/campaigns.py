"""Campaigns: a holiday, date or occasion trigger, an audience, an offer and a channel; and their runs.

A campaign produces *runs*: one occurrence each (``run_key`` "2026" for a yearly holiday, "2026-05-25"
for one day of an occasion campaign, "once" for a fixed date). A run is stored with its local
``send_date``/``send_time`` and ``issue_at``: the earliest UTC instant any member can be due (the local
send time in UTC+14). The worker claims due runs, issues one coupon per member with ``valid_from`` at the
member's own local send time, queues the messages, marks the run done and schedules the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PydField
from sqlmodel import Field, Session, SQLModel, col, select

from loyalty.audience import AudienceFilter, audience_select
from loyalty.db import UTCDateTime, is_postgres, utcnow
from loyalty.errors import Conflict, Invalid, NotFound
from loyalty.message_templates import LOCALES, has_template, render_message
from loyalty.settings import Settings, get_settings
from loyalty.sms_encoding import sms_segments


class TriggerType(StrEnum):
    holiday = "holiday"
    date = "date"
    occasion = "occasion"


class CampaignStatus(StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    running = "running"
    done = "done"
    cancelled = "cancelled"


class RunStatus(StrEnum):
    scheduled = "scheduled"
    running = "running"
    done = "done"
    cancelled = "cancelled"


class OfferKind(StrEnum):
    percent = "percent"
    amount = "amount"


class CampaignChannel(StrEnum):
    sms = "sms"
    email = "email"
    preferred = "preferred"


class Campaign(SQLModel, table=True):
    __tablename__ = "campaigns"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    status: str = Field(default=CampaignStatus.scheduled, sa_type=sa.String(16), index=True)
    # trigger
    trigger_type: str = Field(sa_type=sa.String(16))
    holiday_key: str | None = Field(default=None, max_length=64)
    country: str = Field(default="TR", max_length=2)
    year: int | None = None  # holiday trigger: None = every year
    days_before: int = 0
    send_time: str = Field(default="10:00", max_length=5)  # local HH:MM in each member's zone
    send_on: date | None = None  # date trigger: the local date
    occasion_kinds: list[str] | None = Field(default=None, sa_type=sa.JSON)
    for_whom: list[str] | None = Field(default=None, sa_type=sa.JSON)
    # audience filters (loyalty.audience.AudienceFilter as JSON)
    audience: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # offer
    offer_kind: str = Field(sa_type=sa.String(8))
    offer_value: Decimal = Field(sa_type=sa.Numeric(12, 2))
    min_purchase: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    valid_days: int = 14
    channel: str = Field(default=CampaignChannel.preferred, sa_type=sa.String(16))
    template: str | None = Field(default=None, max_length=40)  # message purpose; default holiday_coupon
    created_by: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CampaignRun(SQLModel, table=True):
    __tablename__ = "campaign_runs"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "run_key"),
        sa.Index("ix_campaign_runs_status_issue_at", "status", "issue_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", ondelete="CASCADE", index=True)
    run_key: str = Field(max_length=32)
    send_date: date
    send_time: str = Field(max_length=5)
    issue_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=RunStatus.scheduled, sa_type=sa.String(16))
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    targeted: int = 0
    coupons_issued: int = 0
    messages_queued: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# ---- inputs and outputs ------------------------------------------------------------


class HolidayTrigger(BaseModel):
    type: Literal["holiday"]
    holiday_key: str
    year: int | None = None  # None: every year
    days_before: int = 0
    send_time: str = "10:00"
    country: str | None = None


class DateTrigger(BaseModel):
    type: Literal["date"]
    send_at: str  # local date-time, "2026-12-31T10:00"


class OccasionTrigger(BaseModel):
    type: Literal["occasion"]
    kinds: list[str]
    for_whom: list[str] | None = None
    days_before: int = 0
    send_time: str = "10:00"


Trigger = Annotated[HolidayTrigger | DateTrigger | OccasionTrigger, PydField(discriminator="type")]


class OfferIn(BaseModel):
    kind: Literal["percent", "amount"]
    value: Decimal
    min_purchase: Decimal | None = None
    valid_days: int = 14


class CampaignCreate(BaseModel):
    name: str
    trigger: Trigger
    audience: AudienceFilter = PydField(default_factory=AudienceFilter)
    offer: OfferIn
    channel: Literal["sms", "email", "preferred"] = "preferred"
    template: str | None = None
    draft: bool = False  # saved and previewable, not sent until scheduled


class RunPublic(BaseModel):
    id: int | None
    run_key: str
    status: str
    send_date: date
    send_time: str
    issue_at: datetime
    scheduled_for: datetime  # the send instant in the shop's zone, UTC
    scheduled_local: str  # "2026-05-25T10:00 Europe/Istanbul"
    targeted: int = 0
    coupons_issued: int = 0
    messages_queued: int = 0


class CampaignPublic(BaseModel):
    id: int
    name: str
    status: str
    trigger: dict[str, Any]
    audience: dict[str, Any]
    offer: dict[str, Any]
    channel: str
    template: str
    created_by: str
    created_at: datetime
    scheduled_for: datetime | None  # the next send instant (shop's zone), UTC
    scheduled_local: str | None
    timezone: str


@dataclass(frozen=True)
class RunResult:
    run_id: int
    status: str  # done | cancelled | not_due | already_done
    targeted: int = 0
    coupons_issued: int = 0
    messages_queued: int = 0
    next_run_id: int | None = None


# ---- schedule arithmetic ------------------------------------------------------------

EARLIEST_ZONE = timezone(timedelta(hours=14))  # Pacific/Kiritimati: the first place any local time arrives
DEFAULT_TEMPLATE = "holiday_coupon"
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_DAYS_BEFORE = 90
MAX_VALID_DAYS = 366
MAX_YEARS_AHEAD = 5  # a campaign's date or year at most this many years ahead
RUN_LEASE = timedelta(minutes=15)  # a run left 'running' this long (a crashed worker) is claimed again


def parse_send_time(value: str, field: str = "trigger.send_time") -> time:
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise Invalid(field, "send_time must be HH:MM (00:00-23:59) / gönderim saati SS:DD olmalı")
    return time(int(match.group(1)), int(match.group(2)))


def zone_of(name: str | None, fallback: str = "Europe/Istanbul") -> ZoneInfo:
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("Europe/Istanbul")


class _HasSendDate(Protocol):
    @property
    def send_date(self) -> date: ...
    @property
    def send_time(self) -> str: ...


def local_send_instant(send_date: date, send_time: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``send_date send_time`` on the wall clock of ``zone``.

    A wall time skipped by a DST jump (02:30 on a spring-forward night) is sent at the same distance past
    the jump (03:30), as zoneinfo's fold=0 resolves it; a repeated one (fall-back) at its first occurrence."""
    local = datetime.combine(send_date, parse_send_time(send_time), tzinfo=zone)
    return local.astimezone(UTC)


def member_send_instant(
    run: _HasSendDate, member_timezone: str, default_timezone: str = "Europe/Istanbul"
) -> datetime:
    """UTC instant of the run's local send time in the member's zone (an unknown zone: the shop's)."""
    return local_send_instant(run.send_date, run.send_time, zone_of(member_timezone, default_timezone))


def issue_at_for(send_date: date, send_time: str) -> datetime:
    """The earliest instant any member can be due: the local send time in UTC+14."""
    return local_send_instant(send_date, send_time, EARLIEST_ZONE)  # type: ignore[arg-type]


def _holiday_day(session: Session | None, campaign: Campaign, year: int) -> date | None:
    from loyalty.holidays import holiday_date

    try:
        return holiday_date(campaign.holiday_key or "", year, campaign.country, session)
    except NotFound:
        return None


def _new_run(campaign: Campaign, run_key: str, send_date: date) -> CampaignRun:
    return CampaignRun(
        campaign_id=campaign.id or 0,
        run_key=run_key,
        send_date=send_date,
        send_time=campaign.send_time,
        issue_at=issue_at_for(send_date, campaign.send_time),
    )


def _planned_run(
    session: Session | None, campaign: Campaign, *, first: int | date, now: datetime, zone: ZoneInfo
) -> CampaignRun | None:
    """The first run of ``campaign`` from holiday year / occasion day ``first`` on whose send instant in
    ``zone`` is not before ``now`` (a one-year holiday or a date campaign: its only run, past or not)."""
    if campaign.trigger_type == TriggerType.date:
        return None if campaign.send_on is None else _new_run(campaign, "once", campaign.send_on)
    if campaign.trigger_type == TriggerType.occasion:
        day = first if isinstance(first, date) else date(first, 1, 1)
        day = max(day, now.astimezone(zone).date())
        while local_send_instant(day, campaign.send_time, zone) < now:
            day += timedelta(days=1)
        return _new_run(campaign, day.isoformat(), day)
    start = first.year if isinstance(first, date) else first
    years = [campaign.year] if campaign.year is not None else list(range(start, start + 4))
    for year in years:
        holiday = _holiday_day(session, campaign, year)
        if holiday is None:
            continue
        send_date = holiday - timedelta(days=campaign.days_before)
        if campaign.year is None and local_send_instant(send_date, campaign.send_time, zone) < now:
            continue
        return _new_run(campaign, str(year), send_date)
    return None


def _next_first(campaign: Campaign, run: CampaignRun) -> int | date:
    if campaign.trigger_type == TriggerType.holiday:
        return int(run.run_key) + 1
    return run.send_date + timedelta(days=1)


def upcoming_runs(
    session: Session | None,
    campaign: Campaign,
    *,
    now: datetime,
    count: int = 2,
    timezone_name: str = "Europe/Istanbul",
) -> list[CampaignRun]:
    """The next ``count`` runs as planned (unsaved): for a yearly holiday this year's and next year's
    dates, each from that year's own calendar (a Hijri bayram moves about 11 days a year)."""
    zone = zone_of(timezone_name)
    out: list[CampaignRun] = []
    first: int | date = now.astimezone(zone).date()
    if campaign.trigger_type == TriggerType.holiday:
        first = now.astimezone(zone).year
    for _ in range(count):
        run = _planned_run(session, campaign, first=first, now=now, zone=zone)
        if run is None or any(r.run_key == run.run_key for r in out):
            break
        out.append(run)
        first = _next_first(campaign, run)
    return out


# ---- creating ------------------------------------------------------------


def _validate_offer(offer: OfferIn) -> None:
    from loyalty.coupons import Offer

    if not 1 <= offer.valid_days <= MAX_VALID_DAYS:
        raise Invalid(
            "offer.valid_days", f"valid_days must be 1-{MAX_VALID_DAYS} / geçerlilik 1-{MAX_VALID_DAYS} gün"
        )
    Offer(offer.kind, offer.value, offer.min_purchase, offer.valid_days)  # value > 0, percent <= 100, ...


def _check_days_before(days: int) -> None:
    if not 0 <= days <= MAX_DAYS_BEFORE:
        raise Invalid(
            "trigger.days_before", f"days_before must be 0-{MAX_DAYS_BEFORE} / 0-{MAX_DAYS_BEFORE} gün olmalı"
        )


def _parse_send_at(value: str, zone: ZoneInfo, now: datetime) -> tuple[date, str]:
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is not None:
            moment = moment.astimezone(zone)
    except (ValueError, AttributeError, OverflowError) as exc:
        raise Invalid("trigger.send_at", "send_at must be a local date-time like 2026-12-31T10:00") from exc
    if moment.year > now.year + MAX_YEARS_AHEAD:
        raise Invalid("trigger.send_at", "send_at must be within 5 years / en çok 5 yıl sonrası olabilir")
    return moment.date(), f"{moment.hour:02d}:{moment.minute:02d}"


def create_campaign(
    session: Session,
    data: CampaignCreate,
    *,
    actor: str,
    now: datetime | None = None,
    timezone_name: str | None = None,
    country: str | None = None,
) -> Campaign:
    """Validate, save the campaign and its first run (status ``scheduled``). Flushes, never commits.

    ``timezone_name``/``country`` default to the settings (the shop's zone: what "10:00" means for
    ``scheduled_for`` and for rejecting a date in the past)."""
    from loyalty.occasions import OccasionKind

    settings = get_settings()
    now = now or utcnow()
    zone = zone_of(timezone_name or settings.timezone)
    name = data.name.strip()
    if not name or len(name) > 200:
        raise Invalid("name", "name is required (at most 200 characters) / kampanya adı gerekli")
    _validate_offer(data.offer)
    if data.template is not None and not (
        _TEMPLATE.match(data.template) and has_template(data.template, "tr", "sms.txt")
    ):
        raise Invalid("template", f"no message template {data.template!r} / böyle bir mesaj şablonu yok")
    campaign = Campaign(
        name=name,
        trigger_type=data.trigger.type,
        audience=data.audience.model_dump(mode="json", exclude_defaults=True),
        offer_kind=data.offer.kind,
        offer_value=data.offer.value,
        min_purchase=data.offer.min_purchase,
        valid_days=data.offer.valid_days,
        channel=data.channel,
        template=data.template,
        created_by=actor,
        created_at=now,
        updated_at=now,
        status=CampaignStatus.draft if data.draft else CampaignStatus.scheduled,
    )
    trigger = data.trigger
    if isinstance(trigger, HolidayTrigger):
        from loyalty.holidays import check_country

        _check_days_before(trigger.days_before)
        parse_send_time(trigger.send_time)
        try:
            campaign.country = check_country(trigger.country or country or settings.country)
        except Invalid as exc:
            raise Invalid("trigger.country", exc.message) from exc
        if trigger.year is not None and not now.year - 1 <= trigger.year <= now.year + MAX_YEARS_AHEAD:
            raise Invalid("trigger.year", "year is out of range / yıl geçersiz")
        campaign.holiday_key = trigger.holiday_key.strip()
        campaign.year, campaign.days_before, campaign.send_time = (
            trigger.year,
            trigger.days_before,
            trigger.send_time,
        )
        probe = range(now.year, now.year + 3) if trigger.year is None else [trigger.year]
        if all(_holiday_day(session, campaign, y) is None for y in probe):
            raise Invalid(
                "trigger.holiday_key", f"unknown holiday {campaign.holiday_key!r} / bilinmeyen tatil"
            )
    elif isinstance(trigger, DateTrigger):
        campaign.send_on, campaign.send_time = _parse_send_at(trigger.send_at, zone, now)
    else:
        _check_days_before(trigger.days_before)
        parse_send_time(trigger.send_time)
        known = {k.value for k in OccasionKind}
        kinds = list(dict.fromkeys(k.strip() for k in trigger.kinds))
        if not kinds or any(k not in known for k in kinds):
            raise Invalid("trigger.kinds", f"kinds must be some of {sorted(known)} / geçersiz tür")
        campaign.occasion_kinds = kinds
        campaign.for_whom = (
            [w.strip() for w in trigger.for_whom if w.strip()] or None if trigger.for_whom else None
        )
        campaign.days_before, campaign.send_time = trigger.days_before, trigger.send_time

    session.add(campaign)
    session.flush()
    first = upcoming_runs(session, campaign, now=now, count=1, timezone_name=zone.key)
    if not first:
        raise Invalid("trigger", "no future date for this trigger / bu tetikleyici için ileri bir tarih yok")
    run = first[0]
    if local_send_instant(run.send_date, run.send_time, zone) < now:
        field = {"date": "trigger.send_at", "holiday": "trigger.year"}.get(campaign.trigger_type, "trigger")
        raise Invalid(field, "the send time is in the past / gönderim zamanı geçmişte")
    session.add(run)
    session.flush()
    return campaign


_TEMPLATE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


# ---- reading ------------------------------------------------------------


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} not found / kampanya bulunamadı")
    return campaign


def list_campaigns(session: Session, *, status: str | None = None, limit: int = 200) -> list[Campaign]:
    query = select(Campaign).order_by(col(Campaign.id).desc()).limit(limit)
    if status:
        query = query.where(Campaign.status == status)
    return list(session.exec(query))


def campaign_runs(session: Session, campaign_id: int) -> list[CampaignRun]:
    return list(
        session.exec(
            select(CampaignRun)
            .where(CampaignRun.campaign_id == campaign_id)
            .order_by(col(CampaignRun.send_date))
        )
    )


def next_run(session: Session, campaign_id: int) -> CampaignRun | None:
    return session.exec(
        select(CampaignRun)
        .where(CampaignRun.campaign_id == campaign_id, col(CampaignRun.status).in_(["scheduled", "running"]))
        .order_by(col(CampaignRun.send_date))
    ).first()


def _local_text(run: _HasSendDate, zone: ZoneInfo) -> str:
    return f"{run.send_date.isoformat()}T{run.send_time} {zone.key}"


def run_public(run: CampaignRun, zone: ZoneInfo) -> RunPublic:
    return RunPublic(
        id=run.id,
        run_key=run.run_key,
        status=run.status,
        send_date=run.send_date,
        send_time=run.send_time,
        issue_at=run.issue_at,
        scheduled_for=local_send_instant(run.send_date, run.send_time, zone),
        scheduled_local=_local_text(run, zone),
        targeted=run.targeted,
        coupons_issued=run.coupons_issued,
        messages_queued=run.messages_queued,
    )


def trigger_dict(campaign: Campaign) -> dict[str, Any]:
    if campaign.trigger_type == TriggerType.holiday:
        return {
            "type": "holiday",
            "holiday_key": campaign.holiday_key,
            "country": campaign.country,
            "year": campaign.year,
            "every_year": campaign.year is None,
            "days_before": campaign.days_before,
            "send_time": campaign.send_time,
        }
    if campaign.trigger_type == TriggerType.date:
        send_on = campaign.send_on.isoformat() if campaign.send_on else None
        return {"type": "date", "send_at": f"{send_on}T{campaign.send_time}"}
    return {
        "type": "occasion",
        "kinds": campaign.occasion_kinds or [],
        "for_whom": campaign.for_whom,
        "days_before": campaign.days_before,
        "send_time": campaign.send_time,
    }


def offer_dict(campaign: Campaign) -> dict[str, Any]:
    return {
        "kind": campaign.offer_kind,
        "value": str(campaign.offer_value),
        "min_purchase": None if campaign.min_purchase is None else str(campaign.min_purchase),
        "valid_days": campaign.valid_days,
    }


def describe(session: Session, campaign: Campaign, *, timezone_name: str | None = None) -> CampaignPublic:
    zone = zone_of(timezone_name or get_settings().timezone)
    upcoming = next_run(session, campaign.id or 0)
    return CampaignPublic(
        id=campaign.id or 0,
        name=campaign.name,
        status=campaign.status,
        trigger=trigger_dict(campaign),
        audience=campaign.audience,
        offer=offer_dict(campaign),
        channel=campaign.channel,
        template=campaign.template or DEFAULT_TEMPLATE,
        created_by=campaign.created_by,
        created_at=campaign.created_at,
        scheduled_for=local_send_instant(upcoming.send_date, upcoming.send_time, zone) if upcoming else None,
        scheduled_local=_local_text(upcoming, zone) if upcoming else None,
        timezone=zone.key,
    )


def schedule_campaign(session: Session, campaign_id: int, *, now: datetime | None = None) -> Campaign:
    """A draft goes live: ``scheduled``, its first run (re-planned from ``now``) claimed when due."""
    now = now or utcnow()
    campaign = get_campaign(session, campaign_id)
    if campaign.status != CampaignStatus.draft:
        raise Conflict(f"only a draft can be scheduled; this campaign is {campaign.status}")
    zone = zone_of(get_settings().timezone)
    run = next_run(session, campaign_id)
    if run is not None and local_send_instant(run.send_date, run.send_time, zone) < now:
        session.delete(run)
        session.flush()
        run = None
    if run is None:
        planned = upcoming_runs(session, campaign, now=now, count=1, timezone_name=zone.key)
        if not planned or local_send_instant(planned[0].send_date, planned[0].send_time, zone) < now:
            raise Invalid("trigger", "the send time is in the past / gönderim zamanı geçmişte")
        session.add(planned[0])
    campaign.status, campaign.updated_at = CampaignStatus.scheduled, now
    session.add(campaign)
    session.flush()
    return campaign


# ---- cancelling ------------------------------------------------------------


def cancel_campaign(
    session: Session, campaign_id: int, *, actor: str, now: datetime | None = None
) -> Campaign:
    """Cancel the campaign, its runs not yet done and its messages not yet sent.

    Coupons already issued stay valid. Idempotent."""
    now = now or utcnow()
    campaign = get_campaign(session, campaign_id)
    if campaign.status == CampaignStatus.cancelled:
        return campaign
    if campaign.status == CampaignStatus.done:
        raise Conflict("the campaign is already done / kampanya tamamlandı, iptal edilemez")
    session.execute(
        sa.update(CampaignRun)
        .where(
            col(CampaignRun.campaign_id) == campaign_id, col(CampaignRun.status).in_(["scheduled", "running"])
        )
        .values(status=RunStatus.cancelled.value, finished_at=now)
    )
    campaign.status = CampaignStatus.cancelled
    campaign.cancelled_at = campaign.updated_at = now
    session.add(campaign)
    from loyalty.messages import cancel_campaign_messages  # messages import campaigns: import here

    cancel_campaign_messages(session, campaign_id=campaign_id, reason=f"campaign cancelled by {actor}")
    session.flush()
    return campaign


# ---- running ------------------------------------------------------------


def claim_due_runs(session: Session, now: datetime, limit: int = 10) -> list[int]:
    """Mark up to ``limit`` due runs ``running`` and return their ids (the caller commits the claim).

    Due: ``scheduled`` with ``issue_at <= now``, or ``running`` but claimed more than RUN_LEASE ago (the
    worker died; the run is idempotent, so running it again is safe). On PostgreSQL the rows are locked
    ``FOR UPDATE SKIP LOCKED``, so workers on any number of machines never claim the same run. SQLite has
    no row locks: there the single worker (the documented embedded setup) claims under its write lock."""
    due = sa.or_(
        sa.and_(col(CampaignRun.status) == RunStatus.scheduled.value, col(CampaignRun.issue_at) <= now),
        sa.and_(
            col(CampaignRun.status) == RunStatus.running.value, col(CampaignRun.claimed_at) < now - RUN_LEASE
        ),
    )
    query = (
        sa.select(col(CampaignRun.id))
        .join(Campaign, col(Campaign.id) == col(CampaignRun.campaign_id))
        .where(due, col(Campaign.status).in_([CampaignStatus.scheduled.value, CampaignStatus.running.value]))
        .order_by(col(CampaignRun.issue_at))
        .limit(limit)
    )
    if is_postgres(session):
        query = query.with_for_update(of=CampaignRun, skip_locked=True)
    ids = [row[0] for row in session.execute(query)]
    if ids:
        session.execute(
            sa.update(CampaignRun)
            .where(col(CampaignRun.id).in_(ids))
            .values(status=RunStatus.running.value, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        campaign_ids = sa.select(col(CampaignRun.campaign_id)).where(col(CampaignRun.id).in_(ids))
        session.execute(
            sa.update(Campaign)
            .where(col(Campaign.id).in_(campaign_ids), col(Campaign.status) == CampaignStatus.scheduled.value)
            .values(status=CampaignStatus.running.value, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        session.flush()
    return ids


def run_audience(campaign: Campaign, run: _HasSendDate, now: datetime) -> sa.Select[Any]:
    """The audience select of one run (for an occasion campaign: occasions ``days_before`` after its day)."""
    occasion = None
    if campaign.trigger_type == TriggerType.occasion:
        celebrated = run.send_date + timedelta(days=campaign.days_before)
        occasion = (campaign.occasion_kinds or [], campaign.for_whom, celebrated)
    return audience_select(campaign.audience, channel=campaign.channel, now=now, occasion=occasion)


def offer_of(campaign: Campaign) -> Any:
    from loyalty.coupons import Offer

    return Offer(
        kind=campaign.offer_kind,
        value=Decimal(campaign.offer_value),
        min_purchase=None if campaign.min_purchase is None else Decimal(campaign.min_purchase),
        valid_days=campaign.valid_days,
    )


def _lock_run(session: Session, run_id: int) -> CampaignRun:
    query = select(CampaignRun).where(CampaignRun.id == run_id)
    if is_postgres(session):
        query = query.with_for_update()
    run = session.exec(query.execution_options(populate_existing=True)).first()
    if run is None:
        raise NotFound(f"campaign run {run_id} not found")
    return run


def _schedule_next(
    session: Session, campaign: Campaign, run: CampaignRun, now: datetime
) -> CampaignRun | None:
    if campaign.trigger_type == TriggerType.date or (
        campaign.year is not None and campaign.trigger_type == "holiday"
    ):
        return None
    zone = zone_of(get_settings().timezone)
    planned = _planned_run(session, campaign, first=_next_first(campaign, run), now=now, zone=zone)
    if campaign.trigger_type == TriggerType.occasion:
        # the next day even if its send time has passed (a catch-up after downtime still sends)
        day = run.send_date + timedelta(days=1)
        planned = _new_run(campaign, day.isoformat(), day)
    if planned is None:
        return None
    existing = session.exec(
        select(CampaignRun).where(
            CampaignRun.campaign_id == campaign.id, CampaignRun.run_key == planned.run_key
        )
    ).first()
    if existing is not None:
        return existing
    session.add(planned)
    session.flush()
    return planned


def run_campaign(session: Session, run_id: int, now: datetime) -> RunResult:
    """Issue the run's coupons and queue its messages, mark it done and schedule the next run.

    Re-checks first (cancelled, already done, not yet due: nothing happens). Idempotent: coupons are
    unique per (run, member) and messages per (channel, dedupe key), so a run repeated after a crash
    issues and queues only what is missing. Flushes; the caller (the worker task) commits."""
    from loyalty.coupons import COUPONS, issue_coupons
    from loyalty.messages import queue_campaign_messages  # it imports this module

    run = _lock_run(session, run_id)
    campaign = get_campaign(session, run.campaign_id)
    if run.status == RunStatus.done:
        return RunResult(run_id, "already_done", run.targeted, run.coupons_issued, run.messages_queued)
    if run.status == RunStatus.cancelled or campaign.status == CampaignStatus.cancelled:
        if run.status != RunStatus.cancelled:
            run.status, run.finished_at = RunStatus.cancelled, now
            session.add(run)
            session.flush()
        return RunResult(run_id, "cancelled")
    if run.issue_at > now or campaign.status == CampaignStatus.draft:
        return RunResult(run_id, "not_due")

    settings = get_settings()
    instants: dict[str, datetime] = {}
    members: list[tuple[int, datetime, datetime]] = []
    valid = timedelta(days=campaign.valid_days)
    for member_id, zone_name, _locale, _channel in session.execute(run_audience(campaign, run, now)):
        if zone_name not in instants:
            instants[zone_name] = member_send_instant(run, zone_name, settings.timezone)
        start = instants[zone_name]
        members.append((member_id, start, start + valid))
    issue_coupons(
        session, campaign_id=campaign.id or 0, run_id=run.id or 0, members=members, offer=offer_of(campaign)
    )
    queued = queue_campaign_messages(session, run.id or 0)

    coupons = session.execute(
        sa.select(sa.func.count()).select_from(COUPONS).where(COUPONS.c.run_id == run.id)
    ).scalar_one()
    run.targeted, run.coupons_issued, run.messages_queued = (
        len(members),
        int(coupons),
        run.messages_queued + queued,
    )
    run.status, run.finished_at = RunStatus.done, now
    session.add(run)
    session.flush()
    upcoming = _schedule_next(session, campaign, run, now)
    campaign.status = CampaignStatus.scheduled if upcoming is not None else CampaignStatus.done
    campaign.updated_at = now
    session.add(campaign)
    session.flush()
    return RunResult(
        run_id,
        "done",
        run.targeted,
        run.coupons_issued,
        run.messages_queued,
        upcoming.id if upcoming is not None else None,
    )


# ---- message values (primitives only) ------------------------------------------------------------


@lru_cache(maxsize=256)
def _holiday_name(key: str, year: int, country: str, lang: str) -> str:
    from loyalty.holidays import holidays_for

    for info in holidays_for(year, country, lang):
        if info.key == key:
            return str(info.name)
    return ""


def holiday_name_of(session: Session | None, campaign: Campaign, run: CampaignRun, locale: str) -> str:
    """The holiday's name in ``locale`` ("Kurban Bayramı" / "Eid al-Adha"); empty for other triggers."""
    if campaign.trigger_type != TriggerType.holiday or not campaign.holiday_key:
        return ""
    lang = locale if locale in ("tr", "en") else "tr"
    try:
        year = int(run.run_key)
    except ValueError:
        year = run.send_date.year
    name = _holiday_name(campaign.holiday_key, year, campaign.country, lang)
    if not name and session is not None:  # a store-defined day
        from loyalty.holidays import holidays_for

        name = next(
            (
                str(h.name)
                for h in holidays_for(year, campaign.country, lang, session)
                if h.key == campaign.holiday_key
            ),
            "",
        )
    return name


def message_values(
    session: Session | None,
    campaign: Campaign,
    run: CampaignRun,
    *,
    locale: str,
    coupon_code: str,
    expires_at: datetime,
    member_timezone: str,
) -> dict[str, Any]:
    """The template values of one campaign message, as loyalty.messages.queue_campaign_messages builds
    them (JSON-safe: ``*_on`` ISO dates, ``*_amount`` decimal strings; ``holiday_name`` and
    ``min_purchase_amount`` only when there is one); the sender adds first_name, shop_name and
    unsubscribe_url. Used by the preview."""
    zone = zone_of(member_timezone, get_settings().timezone)
    values: dict[str, Any] = {
        "campaign_name": campaign.name,
        "offer_kind": campaign.offer_kind,
        "offer_value": str(campaign.offer_value),
        "coupon_code": coupon_code,
        "expires_on": expires_at.astimezone(zone).date().isoformat(),
    }
    holiday = holiday_name_of(session, campaign, run, locale)
    if holiday:
        values["holiday_name"] = holiday
    if campaign.min_purchase is not None:
        values["min_purchase_amount"] = str(campaign.min_purchase)
    return values


# ---- preview ------------------------------------------------------------

SAMPLE_NAMES = {"tr": "Ayşe Yılmaz", "en": "Emma Smith"}


class SampleMessage(BaseModel):
    locale: str
    channel: str
    subject: str = ""
    text: str
    html: str = ""
    encoding: str | None = None  # SMS only: GSM-7 or UCS-2
    segments: int | None = None
    length: int | None = None
    forced_by: str | None = None  # the characters that forced UCS-2


class CostEstimate(BaseModel):
    sms_messages: int
    sms_segments: int
    emails: int
    sms_cost: Decimal
    email_cost: Decimal
    total: Decimal
    currency: str


class CampaignPreview(BaseModel):
    campaign_id: int
    run_key: str | None
    scheduled_for: datetime | None
    audience: dict[str, int]  # total, sms, email
    audience_by_locale: dict[str, dict[str, int]]  # channel -> locale -> members
    samples: list[SampleMessage]
    estimated_cost: CostEstimate


def sample_code() -> str:
    from loyalty.coupons import format_code, new_code

    return format_code(new_code())


def preview_campaign(
    session: Session, campaign_id: int, *, now: datetime | None = None, settings: Settings | None = None
) -> CampaignPreview:
    """Audience per channel for the next run, a sample message per locale and channel (with the SMS
    encoding and segments), and the estimated cost: SMS segments x price + e-mails x price."""
    now = now or utcnow()
    settings = settings or get_settings()
    zone = zone_of(settings.timezone)
    campaign = get_campaign(session, campaign_id)
    run = next_run(session, campaign_id)
    if run is None:
        planned = upcoming_runs(session, campaign, now=now, count=1, timezone_name=zone.key)
        run = planned[0] if planned else _new_run(campaign, "preview", now.astimezone(zone).date())
    sub = run_audience(campaign, run, now).order_by(None).subquery()
    by_locale: dict[str, dict[str, int]] = {"sms": {}, "email": {}}
    for channel, locale, n in session.execute(
        sa.select(sub.c.channel, sub.c.locale, sa.func.count()).group_by(sub.c.channel, sub.c.locale)
    ):
        by_locale.setdefault(str(channel), {})[str(locale)] = int(n)
    audience = {ch: sum(v.values()) for ch, v in by_locale.items()}
    audience["total"] = sum(audience.values())

    channels = ["sms", "email"] if campaign.channel == "preferred" else [campaign.channel]
    code = sample_code()
    expires_at = local_send_instant(run.send_date, run.send_time, zone) + timedelta(days=campaign.valid_days)
    template = campaign.template or DEFAULT_TEMPLATE
    samples: list[SampleMessage] = []
    segments_by_locale: dict[str, int] = {}
    for locale in LOCALES:
        values = message_values(
            session,
            campaign,
            run,
            locale=locale,
            coupon_code=code,
            expires_at=expires_at,
            member_timezone=zone.key,
        ) | {
            "first_name": SAMPLE_NAMES[locale].split()[0],
            "member_name": SAMPLE_NAMES[locale],
            "shop_name": settings.shop_name,
            "unsubscribe_url": f"{settings.public_base_url.rstrip('/')}/u/sample",
        }
        for channel in channels:
            rendered = render_message(template, locale, channel, values)
            sample = SampleMessage(
                locale=locale,
                channel=channel,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
            )
            if channel == "sms":
                info = sms_segments(rendered.text)
                sample.encoding, sample.segments, sample.length = info.encoding, info.segments, info.length
                sample.forced_by = info.offending or None
                segments_by_locale[locale] = info.segments
            samples.append(sample)

    sms_segments_total = sum(
        n * segments_by_locale.get(loc if loc in LOCALES else "tr", 1)
        for loc, n in by_locale.get("sms", {}).items()
    )
    sms_cost = (settings.sms_price_per_segment * sms_segments_total).quantize(Decimal("0.01"))
    email_cost = (settings.email_price * audience.get("email", 0)).quantize(Decimal("0.01"))
    return CampaignPreview(
        campaign_id=campaign_id,
        run_key=run.run_key,
        scheduled_for=local_send_instant(run.send_date, run.send_time, zone),
        audience=audience,
        audience_by_locale=by_locale,
        samples=samples,
        estimated_cost=CostEstimate(
            sms_messages=audience.get("sms", 0),
            sms_segments=sms_segments_total,
            emails=audience.get("email", 0),
            sms_cost=sms_cost,
            email_cost=email_cost,
            total=sms_cost + email_cost,
            currency=settings.currency,
        ),
    )


# ---- results ------------------------------------------------------------


class DayStats(BaseModel):
    day: date
    coupons: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    redeemed: int = 0
    revenue: Decimal = Decimal("0.00")


class CampaignStats(BaseModel):
    targeted: int
    coupons: int
    sent: int
    delivered: int
    failed: int
    redeemed: int
    redemption_rate: float  # redeemed / coupons
    revenue: Decimal  # the purchase amounts of the redeeming purchases
    per_day: list[DayStats]


class CampaignDetail(CampaignPublic):
    runs: list[RunPublic]  # runs so far and planned (a yearly campaign: this year's and next year's)
    stats: CampaignStats


def _local_day(session: Session, column: Any, zone: ZoneInfo, now: datetime) -> Any:
    if is_postgres(session):
        return sa.cast(sa.func.timezone(zone.key, column), sa.Date)
    offset = int((now.astimezone(zone).utcoffset() or timedelta()).total_seconds() // 60)
    return sa.func.date(column, f"{offset:+d} minutes")  # SQLite: the zone's current UTC offset


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def campaign_stats(
    session: Session, campaign_id: int, *, now: datetime | None = None, timezone_name: str | None = None
) -> CampaignStats:
    """Targeted (from the runs), coupons and redemptions (coupons table), sent/delivered/failed (messages
    table); overall and per local day of the shop's zone (each figure on the day it happened)."""
    from loyalty.coupons import COUPONS
    from loyalty.messages import MESSAGES

    now = now or utcnow()
    zone = zone_of(timezone_name or get_settings().timezone)
    c, m = COUPONS.c, MESSAGES.c
    targeted = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(col(CampaignRun.targeted)), 0)).where(
            col(CampaignRun.campaign_id) == campaign_id
        )
    ).scalar_one()
    days: dict[date, DayStats] = {}

    def bump(rows: Any, field: str) -> None:
        for day, value in rows:
            if day is None:
                continue
            entry = days.setdefault(_as_date(day), DayStats(day=_as_date(day)))
            setattr(entry, field, getattr(entry, field) + (value if value is not None else 0))

    def per_day(table: Any, column: Any, *where: Any, value: Any = None) -> Any:
        day = _local_day(session, column, zone, now).label("day")
        amount = value if value is not None else sa.func.count()
        return session.execute(sa.select(day, amount).select_from(table).where(*where).group_by(day))

    mine_c, mine_m = c.campaign_id == campaign_id, m.campaign_id == campaign_id
    redeemed = c.status == "redeemed"
    bump(per_day(COUPONS, c.valid_from, mine_c), "coupons")
    bump(per_day(MESSAGES, m.sent_at, mine_m, m.state.in_(["sent", "delivered"])), "sent")
    bump(per_day(MESSAGES, m.delivered_at, mine_m, m.state == "delivered"), "delivered")
    bump(per_day(MESSAGES, m.updated_at, mine_m, m.state == "failed"), "failed")
    bump(per_day(COUPONS, c.redeemed_at, mine_c, redeemed), "redeemed")
    bump(
        per_day(COUPONS, c.redeemed_at, mine_c, redeemed, value=sa.func.sum(c.redeemed_purchase_amount)),
        "revenue",
    )
    coupons = session.execute(sa.select(sa.func.count()).where(mine_c)).scalar_one()
    counts = dict(
        tuple(row)
        for row in session.execute(sa.select(m.state, sa.func.count()).where(mine_m).group_by(m.state))
    )
    red, revenue = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(c.redeemed_purchase_amount), 0)).where(
            mine_c, redeemed
        )
    ).one()
    return CampaignStats(
        targeted=int(targeted),
        coupons=int(coupons),
        sent=int(counts.get("sent", 0)) + int(counts.get("delivered", 0)),
        delivered=int(counts.get("delivered", 0)),
        failed=int(counts.get("failed", 0)),
        redeemed=int(red),
        redemption_rate=round(int(red) / int(coupons), 4) if coupons else 0.0,
        revenue=Decimal(revenue).quantize(Decimal("0.01")),
        per_day=[days[d] for d in sorted(days)],
    )


def campaign_detail(
    session: Session, campaign_id: int, *, now: datetime | None = None, timezone_name: str | None = None
) -> CampaignDetail:
    """The campaign, its runs (done, scheduled, and for a yearly campaign the planned next years up to
    two ahead of today) and its results."""
    now = now or utcnow()
    zone = zone_of(timezone_name or get_settings().timezone)
    campaign = get_campaign(session, campaign_id)
    runs = campaign_runs(session, campaign_id)
    if (
        campaign.status not in (CampaignStatus.cancelled, CampaignStatus.done)
        and campaign.trigger_type == "holiday"
    ):
        known = {r.run_key for r in runs}
        for planned in upcoming_runs(session, campaign, now=now, count=2, timezone_name=zone.key):
            if planned.run_key not in known:
                planned.status = "planned"
                runs.append(planned)
    base = describe(session, campaign, timezone_name=zone.key)
    return CampaignDetail(
        **base.model_dump(),
        runs=[run_public(r, zone) for r in runs],
        stats=campaign_stats(session, campaign_id, now=now, timezone_name=zone.key),
    )
