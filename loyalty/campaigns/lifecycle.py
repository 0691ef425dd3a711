"""A campaign's life: create (validated, with its first run), read, schedule a draft, cancel."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.campaigns.schedule import (
    MAX_DAYS_BEFORE,
    MAX_VALID_DAYS,
    MAX_YEARS_AHEAD,
    holiday_day,
    local_send_instant,
    parse_send_time,
    upcoming_runs,
)
from loyalty.campaigns.schemas import CampaignCreate, DateTrigger, HolidayTrigger, OfferIn, SegmentRef
from loyalty.core.db import utcnow
from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.coupons.offers import Offer
from loyalty.holidays.public import check_country
from loyalty.messaging.outbox import cancel_campaign_messages
from loyalty.messaging.templates import has_template
from loyalty.models.campaigns import (
    Campaign,
    CampaignChannel,
    CampaignRun,
    CampaignStatus,
    RunStatus,
    TriggerType,
)
from loyalty.models.coupons import OfferKind
from loyalty.models.occasions import OccasionKind
from loyalty.models.segments import Segment


def _validate_offer(offer: OfferIn, currency: str) -> None:
    if not 1 <= offer.valid_days <= MAX_VALID_DAYS:
        raise Invalid(
            "offer.valid_days", f"valid_days must be 1-{MAX_VALID_DAYS} / geçerlilik 1-{MAX_VALID_DAYS} gün"
        )
    Offer(
        offer.kind, offer.value, offer.min_purchase, offer.valid_days, currency=currency
    )  # value > 0, percent <= 100, ...


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


def _audience(session: Session, data: CampaignCreate) -> tuple[int | None, dict[str, Any]]:
    """(segment id, the filter the run reads): a segment's filter is copied (and kept current by segments)."""
    if isinstance(data.audience, SegmentRef):
        segment = session.get(Segment, data.audience.segment_id)
        if segment is None:
            raise Invalid("audience.segment_id", "no such segment / böyle bir segment yok")
        return segment.id, dict(segment.filter)
    return None, data.audience.model_dump(mode="json", exclude_defaults=True)


def create_campaign(
    session: Session,
    data: CampaignCreate,
    *,
    actor: str,
    now: datetime | None = None,
    settings: Settings,
) -> Campaign:
    """Validate, save the campaign and its first run (status ``scheduled``). Flushes, never commits.

    ``timezone_name``/``country`` default to the settings (the shop's zone: what "10:00" means for
    ``scheduled_for`` and for rejecting a date in the past)."""
    now = now or utcnow()
    zone = zone_of(settings.timezone)
    name = data.name.strip()
    if not name or len(name) > 200:
        raise Invalid("name", "name is required (at most 200 characters) / kampanya adı gerekli")
    _validate_offer(data.offer, settings.currency)
    if data.template is not None and not (
        _TEMPLATE.match(data.template) and has_template(data.template, "tr", "sms.txt")
    ):
        raise Invalid("template", f"no message template {data.template!r} / böyle bir mesaj şablonu yok")
    segment_id, audience = _audience(session, data)
    campaign = Campaign(
        name=name,
        trigger_type=TriggerType(data.trigger.type),
        audience=audience,
        segment_id=segment_id,
        offer_kind=OfferKind(data.offer.kind),
        offer_value=data.offer.value,
        min_purchase=data.offer.min_purchase,
        valid_days=data.offer.valid_days,
        channel=CampaignChannel(data.channel),
        template=data.template,
        created_by=actor,
        created_at=now,
        updated_at=now,
        status=CampaignStatus.draft if data.draft else CampaignStatus.scheduled,
    )
    trigger = data.trigger
    if isinstance(trigger, HolidayTrigger):
        _check_days_before(trigger.days_before)
        parse_send_time(trigger.send_time)
        try:
            campaign.country = check_country(trigger.country or settings.country)
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
        if all(holiday_day(session, campaign, y) is None for y in probe):
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


def schedule_campaign(
    session: Session, campaign_id: int, *, settings: Settings, now: datetime | None = None
) -> Campaign:
    """A draft goes live: ``scheduled``, its first run (re-planned from ``now``) claimed when due."""
    now = now or utcnow()
    campaign = get_campaign(session, campaign_id)
    if campaign.status != CampaignStatus.draft:
        raise Conflict(f"only a draft can be scheduled; this campaign is {campaign.status}")
    zone = zone_of(settings.timezone)
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

    cancel_campaign_messages(session, campaign_id=campaign_id, reason=f"campaign cancelled by {actor}")
    session.flush()
    return campaign
