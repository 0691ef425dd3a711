"""Campaign views for the API and the CLI: the campaign with its trigger, offer and next send instant, its
runs (done, scheduled and planned) and its results."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from loyalty.campaigns.content import DEFAULT_TEMPLATE
from loyalty.campaigns.lifecycle import campaign_runs, get_campaign, next_run
from loyalty.campaigns.schedule import HasSendDate, local_send_instant, upcoming_runs
from loyalty.campaigns.schemas import CampaignDetail, CampaignPublic, RunPublic
from loyalty.campaigns.stats import campaign_stats
from loyalty.core.db import utcnow
from loyalty.core.zones import zone_of
from loyalty.models.campaigns import Campaign, CampaignRun, CampaignStatus, RunStatus, TriggerType


def local_text(run: HasSendDate, zone: ZoneInfo) -> str:
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
        scheduled_local=local_text(run, zone),
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


def campaign_public(session: Session, campaign: Campaign, *, timezone_name: str) -> CampaignPublic:
    zone = zone_of(timezone_name)
    upcoming = next_run(session, campaign.id or 0)
    return CampaignPublic(
        id=campaign.id or 0,
        name=campaign.name,
        status=campaign.status,
        trigger=trigger_dict(campaign),
        audience=campaign.audience,
        segment_id=campaign.segment_id,
        offer=offer_dict(campaign),
        channel=campaign.channel,
        template=campaign.template or DEFAULT_TEMPLATE,
        created_by=campaign.created_by,
        created_at=campaign.created_at,
        scheduled_for=local_send_instant(upcoming.send_date, upcoming.send_time, zone) if upcoming else None,
        scheduled_local=local_text(upcoming, zone) if upcoming else None,
        timezone=zone.key,
    )


def campaign_detail(
    session: Session, campaign_id: int, *, timezone_name: str, now: datetime | None = None
) -> CampaignDetail:
    """The campaign, its runs (done, scheduled, and for a yearly campaign the planned next years up to
    two ahead of today) and its results."""
    now = now or utcnow()
    zone = zone_of(timezone_name)
    campaign = get_campaign(session, campaign_id)
    runs = campaign_runs(session, campaign_id)
    if (
        campaign.status not in (CampaignStatus.cancelled, CampaignStatus.done)
        and campaign.trigger_type == "holiday"
    ):
        known = {r.run_key for r in runs}
        for planned in upcoming_runs(session, campaign, now=now, count=2, timezone_name=zone.key):
            if planned.run_key not in known:
                planned.status = RunStatus.planned
                runs.append(planned)
    base = campaign_public(session, campaign, timezone_name=zone.key)
    return CampaignDetail(
        **base.model_dump(),
        runs=[run_public(r, zone) for r in runs],
        stats=campaign_stats(session, campaign_id, now=now, timezone_name=zone.key),
    )
