"""Running a campaign: claim due runs (row locks on PostgreSQL), issue one coupon per member of the audience,
queue the messages on the channel the audience computed, mark the run done and plan the next one.
Idempotent: a run repeated after a crash issues and queues only what is missing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.campaigns.audience import Reached, audience_select
from loyalty.campaigns.content import (
    RunMessages,
    batch_messages,
    coupon_last_day,
    offer_of,
    queue_campaign_messages,
)
from loyalty.campaigns.lifecycle import get_campaign
from loyalty.campaigns.schedule import RUN_LEASE, HasSendDate, member_send_instant
from loyalty.campaigns.schemas import RunResult
from loyalty.campaigns.triggers.base import Planning
from loyalty.campaigns.triggers.registry import trigger_of
from loyalty.core.db import is_postgres
from loyalty.core.errors import NotFound
from loyalty.core.settings import Settings
from loyalty.core.zones import end_of_day, zone_of
from loyalty.coupons.issuing import Issue, issue_coupon_rows
from loyalty.messaging.claims import ask_provider_first
from loyalty.models.campaigns import Campaign, CampaignRun, CampaignStatus, RunStatus
from loyalty.models.coupons import COUPONS

AUDIENCE_BATCH = 10_000  # members fetched per round trip, their coupons issued and messages queued together


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


def mark_runs_after_restore(session: Session, backup_at: datetime, now: datetime) -> list[int]:
    """After restoring a backup taken at ``backup_at``: every run the backup shows as not done but due may
    have run since (its messages sent, its coupons issued, all lost with the period). When it runs again,
    its messages ask the provider first (``reconcile_since``). Returns the runs' ids."""
    ids = sorted(
        row[0]
        for row in session.execute(
            sa.update(CampaignRun)
            .where(
                col(CampaignRun.status).in_([RunStatus.scheduled.value, RunStatus.running.value]),
                col(CampaignRun.issue_at) <= now,
            )
            .values(reconcile_since=backup_at)
            .returning(col(CampaignRun.id))
            .execution_options(synchronize_session=False)
        )
    )
    session.flush()
    return ids


def member_batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Reached]]:
    """Audience rows (in member order) in batches of about ``size``, never splitting a member's rows."""
    batch: list[Reached] = []
    for row in rows:
        member = Reached(*row)
        if len(batch) >= size and member.member_id != batch[-1].member_id:
            yield batch
            batch = []
        batch.append(member)
    if batch:
        yield batch


def run_audience(
    campaign: Campaign,
    run: HasSendDate,
    now: datetime,
    *,
    lapsed_days: int | None,
    per_occasion: bool = False,
) -> sa.Select[Any]:
    """The audience select of one run (for an occasion campaign: occasions ``days_before`` after its day;
    ``per_occasion``: one row per such occasion, its id in a fifth column); ``lapsed_days`` is the shop's
    lapse window for the default audience (LOYALTY_LAPSED_DAYS; None: no lapse window)."""
    occasion = trigger_of(campaign).audience_window(campaign, run)
    return audience_select(
        campaign.audience,
        channel=campaign.channel,
        now=now,
        occasion=occasion,
        lapsed_default=lapsed_days,
        per_occasion=per_occasion,
    )


def coupon_window(
    campaign: Campaign, run: HasSendDate, zone_name: str, shop_zone: str
) -> tuple[datetime, datetime]:
    """(valid_from, expires_at) of a coupon for a member in ``zone_name``: from the run's local send time,
    good through the END of its last day (the send date + ``valid_days``), the day its message prints
    (``content.coupon_last_day``). It expires at the LATER of the member's and the shop's end of that day:
    a Tokyo member's coupon is still good at the Istanbul counter at 19:00 on the printed day, a London
    member's still good on her phone until her midnight."""
    start = member_send_instant(run, zone_name, shop_zone)
    zone = zone_of(zone_name, shop_zone)
    last = coupon_last_day(start, campaign.valid_days, zone.key)
    return start, max(end_of_day(last, zone), end_of_day(last, zone_of(shop_zone)))


def _lock_run(session: Session, run_id: int) -> CampaignRun:
    query = select(CampaignRun).where(CampaignRun.id == run_id)
    if is_postgres(session):
        query = query.with_for_update()
    run = session.exec(query.execution_options(populate_existing=True)).first()
    if run is None:
        raise NotFound("campaigns.campaign_run_not_found", run_id=run_id)
    return run


def _schedule_next(
    session: Session, campaign: Campaign, run: CampaignRun, now: datetime, timezone_name: str
) -> CampaignRun | None:
    planned = trigger_of(campaign).run_after(campaign, run, Planning(session, now, zone_of(timezone_name)))
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
    unique per (run, member), an occasion campaign's per (run, occasion), and messages per (channel,
    dedupe key), so a run repeated after a crash issues and queues only what is missing. Flushes; the
    caller (the worker task) commits."""
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
    targeted = queued = 0
    offer = offer_of(campaign, settings.currency)
    content = RunMessages(session, campaign, run)
    per_occasion = trigger_of(campaign).per_occasion
    query = run_audience(campaign, run, now, lapsed_days=settings.lapsed_days, per_occasion=per_occasion)
    # the audience streamed (a server-side cursor on PostgreSQL); per batch of members, their coupons are
    # issued and their messages queued on the channel the audience computed
    rows = session.connection().execute(query.execution_options(yield_per=AUDIENCE_BATCH))
    for batch in member_batches(rows, AUDIENCE_BATCH):
        issues: list[Issue] = []
        for member in batch:
            if member.timezone not in instants:
                instants[member.timezone] = coupon_window(campaign, run, member.timezone, settings.timezone)
            start, expires = instants[member.timezone]
            # an occasion campaign: one coupon per occasion of the day (each occasion gets its own)
            issues.append((member.member_id, start, expires, member.occasion_id))
        targeted += len({member.member_id for member in batch})
        # the batch's messages are built while PostgreSQL ends the coupons' COPY (it checks their keys)
        messages = batch_messages(session, content, batch)
        issued = issue_coupon_rows(
            session,
            campaign_id=campaign.id or 0,
            run_id=run.id or 0,
            members=issues,
            offer=offer,
            meanwhile=messages.build,
        )
        queued += queue_campaign_messages(session, content, batch, now=now, issued=issued, built_by=messages)
    if run.reconcile_since is not None:  # it may have run after the restored backup
        ask_provider_first(session, run.id or 0, run.reconcile_since, now)

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
