"""Before scheduling: which other campaigns collide with this one, and what the frequency cap will do.

Two campaigns overlap when they are for the same holiday (same key and country, any status but cancelled or
done), or when their next sends fall within one frequency-cap window of each other and their audiences
share members. What the cap will do (``deferred_by_cap`` and the others it defers) is not guessed here: the
forecast plays it (``loyalty.delivery.overlap_forecast``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.campaigns.lifecycle import get_campaign, next_run
from loyalty.campaigns.running import run_audience
from loyalty.campaigns.schedule import local_send_instant
from loyalty.campaigns.schemas import OverlapItem, OverlapReport
from loyalty.campaigns.triggers.holiday import same_holiday
from loyalty.campaigns.triggers.registry import upcoming_runs
from loyalty.core.clock import utcnow
from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.models.campaigns import Campaign, CampaignRun, CampaignStatus

LIVE = (CampaignStatus.draft.value, CampaignStatus.scheduled.value, CampaignStatus.running.value)


def _next(session: Session, campaign: Campaign, now: datetime, zone_name: str) -> CampaignRun | None:
    run = next_run(session, campaign.id or 0)
    if run is not None:
        return run
    planned = upcoming_runs(session, campaign, now=now, count=1, timezone_name=zone_name)
    return planned[0] if planned else None


def _members(campaign: Campaign, run: CampaignRun, now: datetime, lapsed_days: int) -> Any:
    """The run's audience as a one-column select of member ids."""
    sub = run_audience(campaign, run, now, lapsed_days=lapsed_days).order_by(None).subquery()
    return sa.select(sub.c.member_id)


def overlap_report(
    session: Session, campaign_id: int, *, settings: Settings, now: datetime | None = None
) -> OverlapReport:
    now = now or utcnow()
    zone = zone_of(settings.timezone)
    campaign = get_campaign(session, campaign_id)
    window = timedelta(days=settings.frequency_cap_days)
    run = _next(session, campaign, now, zone.key)
    if run is None:
        return OverlapReport(
            campaign_id=campaign_id,
            scheduled_for=None,
            audience=0,
            overlaps=[],
            frequency_cap=settings.frequency_cap,
            cap_window_days=settings.frequency_cap_days,
            deferred_by_cap=0,
        )
    at = local_send_instant(run.send_date, run.send_time, zone)
    mine = _members(campaign, run, now, settings.lapsed_days)
    audience = session.execute(sa.select(sa.func.count()).select_from(mine.subquery())).scalar_one()

    others = session.exec(
        select(Campaign)
        .where(col(Campaign.id) != campaign_id, col(Campaign.status).in_(LIVE))
        .order_by(col(Campaign.id))
    ).all()
    overlaps: list[OverlapItem] = []
    for other in others:
        other_run = _next(session, other, now, zone.key)
        other_at = local_send_instant(other_run.send_date, other_run.send_time, zone) if other_run else None
        reasons = []
        if same_holiday(campaign, other):
            reasons.append("same_holiday")
        shared = 0
        if other_run is not None and other_at is not None and abs(other_at - at) < window:
            theirs = _members(other, other_run, now, settings.lapsed_days)
            shared = session.execute(
                sa.select(sa.func.count()).select_from(mine.intersect(theirs).subquery())
            ).scalar_one()
            if shared:
                reasons.append("same_window")
        if reasons:
            overlaps.append(
                OverlapItem(
                    campaign_id=other.id or 0,
                    name=other.name,
                    status=other.status,
                    reasons=reasons,
                    scheduled_for=other_at,
                    shared_members=int(shared),
                )
            )
    return OverlapReport(
        campaign_id=campaign_id,
        scheduled_for=at,
        audience=int(audience),
        overlaps=overlaps,
        frequency_cap=settings.frequency_cap,
        cap_window_days=settings.frequency_cap_days,
        deferred_by_cap=0,  # the forecast's: loyalty.delivery.overlap_forecast
    )
