"""Running a campaign: claim due runs (row locks on PostgreSQL), issue one coupon per member of the audience,
queue the messages, mark the run done and plan the next one. Idempotent: a run repeated after a crash issues
and queues only what is missing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.campaigns.audience import audience_select
from loyalty.campaigns.content import offer_of, queue_campaign_messages
from loyalty.campaigns.lifecycle import get_campaign
from loyalty.campaigns.schedule import (
    RUN_LEASE,
    HasSendDate,
    member_send_instant,
    new_run,
    next_first,
    planned_run,
)
from loyalty.campaigns.schemas import RunResult
from loyalty.core.db import is_postgres
from loyalty.core.errors import NotFound
from loyalty.core.settings import Settings
from loyalty.core.zones import end_of_day, local_date, zone_of
from loyalty.coupons.issuing import issue_coupons
from loyalty.models.campaigns import Campaign, CampaignRun, CampaignStatus, RunStatus, TriggerType
from loyalty.models.coupons import COUPONS

AUDIENCE_BATCH = 10_000  # members fetched per round trip; coupons are issued per issuing.ISSUE_CHUNK


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


def run_audience(campaign: Campaign, run: HasSendDate, now: datetime, *, lapsed_days: int) -> sa.Select[Any]:
    """The audience select of one run (for an occasion campaign: occasions ``days_before`` after its day);
    ``lapsed_days`` is the shop's lapse window for the default audience (LOYALTY_LAPSED_DAYS)."""
    occasion = None
    if campaign.trigger_type == TriggerType.occasion:
        celebrated = run.send_date + timedelta(days=campaign.days_before)
        occasion = (campaign.occasion_kinds or [], campaign.for_whom, celebrated)
    return audience_select(
        campaign.audience, channel=campaign.channel, now=now, occasion=occasion, lapsed_default=lapsed_days
    )


def coupon_window(
    campaign: Campaign, run: HasSendDate, zone_name: str, default_zone: str
) -> tuple[datetime, datetime]:
    """(valid_from, expires_at) of a coupon for a member in ``zone_name``: from the run's local send time,
    good through the END of its last day (the send date + ``valid_days``), the day its message prints: it
    expires at the next local midnight (``core.zones.end_of_day``), so the text, the counter and
    ``expires_at`` agree."""
    start = member_send_instant(run, zone_name, default_zone)
    zone = zone_of(zone_name, default_zone)
    last = local_date(start + timedelta(days=campaign.valid_days), zone)
    return start, end_of_day(last, zone)


def _lock_run(session: Session, run_id: int) -> CampaignRun:
    query = select(CampaignRun).where(CampaignRun.id == run_id)
    if is_postgres(session):
        query = query.with_for_update()
    run = session.exec(query.execution_options(populate_existing=True)).first()
    if run is None:
        raise NotFound(f"campaign run {run_id} not found")
    return run


def _schedule_next(
    session: Session, campaign: Campaign, run: CampaignRun, now: datetime, timezone_name: str
) -> CampaignRun | None:
    if campaign.trigger_type == TriggerType.date or (
        campaign.year is not None and campaign.trigger_type == "holiday"
    ):
        return None
    zone = zone_of(timezone_name)
    planned = planned_run(session, campaign, first=next_first(campaign, run), now=now, zone=zone)
    if campaign.trigger_type == TriggerType.occasion:
        # the next day even if its send time has passed (a catch-up after downtime still sends)
        day = run.send_date + timedelta(days=1)
        planned = new_run(campaign, day.isoformat(), day)
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


def run_campaign(session: Session, run_id: int, now: datetime, settings: Settings) -> RunResult:
    """Issue the run's coupons and queue its messages, mark it done and schedule the next run.

    Re-checks first (cancelled, already done, not yet due: nothing happens). Idempotent: coupons are
    unique per (run, member) and messages per (channel, dedupe key), so a run repeated after a crash
    issues and queues only what is missing. Flushes; the caller (the worker task) commits."""
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

    instants: dict[str, tuple[datetime, datetime]] = {}
    targeted = 0

    def audience() -> Iterator[tuple[int, datetime, datetime]]:
        """The audience streamed (a server-side cursor on PostgreSQL), its coupon window per zone."""
        nonlocal targeted
        query = run_audience(campaign, run, now, lapsed_days=settings.lapsed_days)
        rows = session.connection().execute(query.execution_options(yield_per=AUDIENCE_BATCH))
        for member_id, zone_name, _locale, _channel in rows:
            if zone_name not in instants:
                instants[zone_name] = coupon_window(campaign, run, zone_name, settings.timezone)
            start, expires = instants[zone_name]
            targeted += 1
            yield member_id, start, expires

    issue_coupons(
        session,
        campaign_id=campaign.id or 0,
        run_id=run.id or 0,
        members=audience(),
        offer=offer_of(campaign, settings.currency),
    )
    queued = queue_campaign_messages(session, run.id or 0)

    coupons = session.execute(
        sa.select(sa.func.count()).select_from(COUPONS).where(COUPONS.c.run_id == run.id)
    ).scalar_one()
    run.targeted, run.coupons_issued, run.messages_queued = (
        targeted,
        int(coupons),
        run.messages_queued + queued,
    )
    run.status, run.finished_at = RunStatus.done, now
    session.add(run)
    session.flush()
    upcoming = _schedule_next(session, campaign, run, now, settings.timezone)
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
