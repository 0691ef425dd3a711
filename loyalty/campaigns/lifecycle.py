"""A campaign's life: create (validated, with its first run), read, schedule a draft, cancel."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.campaigns.schedule import MAX_VALID_DAYS, local_send_instant
from loyalty.campaigns.schemas import CampaignCreate, OfferIn, SegmentRef
from loyalty.campaigns.triggers.base import Planning
from loyalty.campaigns.triggers.registry import trigger_named, upcoming_runs
from loyalty.core.clock import utcnow
from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.coupons.offers import Offer
from loyalty.messaging.copy import check_copy
from loyalty.messaging.outbox import cancel_campaign_messages
from loyalty.messaging.templates import has_template
from loyalty.models.campaigns import (
    Campaign,
    CampaignChannel,
    CampaignRun,
    CampaignStatus,
    RunStatus,
)
from loyalty.models.coupons import OfferKind
from loyalty.models.segments import Segment


def _validate_offer(offer: OfferIn, currency: str) -> None:
    if not 1 <= offer.valid_days <= MAX_VALID_DAYS:
        raise Invalid("offer.valid_days", "campaigns.valid_days_1", max_valid_days=MAX_VALID_DAYS)
    Offer(
        offer.kind, offer.value, offer.min_purchase, offer.valid_days, currency=currency
    )  # value > 0, percent <= 100, ...


def _audience(session: Session, data: CampaignCreate) -> tuple[int | None, dict[str, Any]]:
    """(segment id, the filter the run reads): a segment's filter is copied (and kept current by segments)."""
    if isinstance(data.audience, SegmentRef):
        segment = session.get(Segment, data.audience.segment_id)
        if segment is None:
            raise Invalid("audience.segment_id", "campaigns.segment_unknown")
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
        raise Invalid("name", "campaigns.name_required_most_200_characters")
    _validate_offer(data.offer, settings.currency)
    if data.template is not None and not (
        _TEMPLATE.match(data.template) and has_template(data.template, "tr", "sms.txt")
    ):
        raise Invalid("template", "campaigns.template_unknown", template=repr(data.template))
    message_copy = check_copy(data.message_copy) or None  # every campaign issues a coupon: {kod} needed
    segment_id, audience = _audience(session, data)
    trigger = trigger_named(data.trigger.type)
    campaign = Campaign(
        name=name,
        trigger_type=trigger.type,
        audience=audience,
        segment_id=segment_id,
        offer_kind=OfferKind(data.offer.kind),
        offer_value=data.offer.value,
        min_purchase=data.offer.min_purchase,
        valid_days=data.offer.valid_days,
        channel=CampaignChannel(data.channel),
        template=data.template,
        message_copy=message_copy,
        created_by=actor,
        created_at=now,
        updated_at=now,
        status=CampaignStatus.draft if data.draft else CampaignStatus.scheduled,
    )
    trigger.apply(campaign, data.trigger, Planning(session, now, zone, settings.country))
    session.add(campaign)
    session.flush()
    first = upcoming_runs(session, campaign, now=now, count=1, timezone_name=zone.key)
    if not first:
        raise Invalid("trigger", "campaigns.future_date_trigger")
    run = first[0]
    if local_send_instant(run.send_date, run.send_time, zone) < now:
        raise Invalid(trigger.past_field, "campaigns.send_time_past")
    session.add(run)
    session.flush()
    return campaign


_TEMPLATE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("campaigns.campaign_not_found", campaign_id=campaign_id)
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
        raise Conflict("campaigns.draft_scheduled_campaign", status=campaign.status)
    zone = zone_of(settings.timezone)
    run = next_run(session, campaign_id)
    if run is not None and local_send_instant(run.send_date, run.send_time, zone) < now:
        session.delete(run)
        session.flush()
        run = None
    if run is None:
        planned = upcoming_runs(session, campaign, now=now, count=1, timezone_name=zone.key)
        if not planned or local_send_instant(planned[0].send_date, planned[0].send_time, zone) < now:
            raise Invalid("trigger", "campaigns.send_time_past")
        session.add(planned[0])
    campaign.status, campaign.updated_at = CampaignStatus.scheduled, now
    session.add(campaign)
    session.flush()
    return campaign


def set_copy(
    session: Session, campaign_id: int, message_copy: dict[str, Any] | None, *, now: datetime | None = None
) -> Campaign:
    """Marketing rewrites a draft's words (a campaign already live keeps what was approved). Flushes."""
    campaign = get_campaign(session, campaign_id)
    if campaign.status != CampaignStatus.draft:
        raise Conflict("campaigns.draft_s_words_change_campaign", status=campaign.status)
    campaign.message_copy = check_copy(message_copy) or None
    campaign.updated_at = now or utcnow()
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
        raise Conflict("campaigns.campaign_already_done")
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
