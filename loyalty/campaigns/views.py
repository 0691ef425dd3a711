"""Campaign views for the API and the CLI: the campaign with its trigger, offer and next send instant, its
runs (done, scheduled and planned) and its results."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from loyalty.campaigns.content import DEFAULT_TEMPLATE
from loyalty.campaigns.lifecycle import campaign_runs, get_campaign, next_run
from loyalty.campaigns.progress import shown_status, waiting_by_run
from loyalty.campaigns.schedule import HasSendDate, local_send_instant
from loyalty.campaigns.schemas import CampaignDetail, CampaignPublic, RunPublic
from loyalty.campaigns.stats import campaign_stats
from loyalty.campaigns.triggers.registry import trigger_of, upcoming_runs
from loyalty.core.clock import utcnow
from loyalty.core.zones import zone_of
from loyalty.models.campaigns import Campaign, CampaignRun, CampaignStatus, RunStatus


def local_text(run: HasSendDate, zone: ZoneInfo) -> str:
    return f"{run.send_date.isoformat()}T{run.send_time} {zone.key}"


def run_public(run: CampaignRun, zone: ZoneInfo, waiting: int = 0) -> RunPublic:
    return RunPublic(
        id=run.id,
        run_key=run.run_key,
        status=shown_status(run.status, waiting),
        messages_waiting=waiting,
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
    return trigger_of(campaign).describe(campaign)


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
    waiting = sum(waiting_by_run(session, campaign.id or 0).values())
    return CampaignPublic(
        id=campaign.id or 0,
        name=campaign.name,
        status=shown_status(campaign.status, waiting),
        messages_waiting=waiting,
        trigger=trigger_dict(campaign),
        audience=campaign.audience,
        segment_id=campaign.segment_id,
        offer=offer_dict(campaign),
        channel=campaign.channel,
        template=campaign.template or DEFAULT_TEMPLATE,
        message_copy=campaign.message_copy,
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
        and trigger_of(campaign).plans_years
    ):
        known = {r.run_key for r in runs}
        for planned in upcoming_runs(session, campaign, now=now, count=2, timezone_name=zone.key):
            if planned.run_key not in known:
                planned.status = RunStatus.planned
                runs.append(planned)
    base = campaign_public(session, campaign, timezone_name=zone.key)
    waiting = waiting_by_run(session, campaign_id)
    return CampaignDetail(
        **base.model_dump(),
        runs=[run_public(r, zone, waiting.get(r.id, 0) if r.id is not None else 0) for r in runs],
        stats=campaign_stats(session, campaign_id, now=now, timezone_name=zone.key),
    )
