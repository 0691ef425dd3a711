"""Deliver one message and dispatch due work: the worker's units of work around the domain steps.

Each step is its own committed unit of work: claim (commit) -> provider call -> final state (commit).
Jobs deferred inside a unit of work reach the broker only after its commit (loyalty.core.jobs). The
tasks in workers.tasks are thin wrappers around these, which keeps these testable without Celery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from loyalty.campaigns.running import claim_due_runs
from loyalty.core import jobs
from loyalty.core.db import unit_of_work, utcnow
from loyalty.core.settings import Settings
from loyalty.delivery.claiming import prepare_send
from loyalty.delivery.outcomes import record_failure
from loyalty.messaging.adapter import ChannelAdapter, PermanentSendError, SendError, TransientSendError
from loyalty.messaging.claims import claim_due_messages, record_retry, record_sent, recover_stuck

log = logging.getLogger(__name__)


ChannelFor = Callable[[str], ChannelAdapter]


@dataclass(frozen=True)
class Outcome:
    status: str  # skipped | sent | failed | retry
    provider_id: str | None = None
    error: SendError | None = None


def deliver(
    message_id: int,
    *,
    engine: Engine,
    settings: Settings,
    channel_for: ChannelFor,
    now: datetime | None = None,
) -> Outcome:
    """Claim, call the provider (after asking it first when a previous attempt may have got through),
    record the final state. A transient error returns ``Outcome("retry")``: the caller schedules it."""
    with unit_of_work(engine) as session:
        out = prepare_send(session, message_id, now or utcnow(), settings)
        session.commit()
    if out is None:
        return Outcome("skipped")
    adapter = channel_for(out.channel)
    try:
        provider_id = (
            adapter.find_accepted(out) if out.check_provider_first and adapter.can_reconcile else None
        )
        how = "found at the provider after an interrupted attempt" if provider_id else ""
        if provider_id is None:
            provider_id = adapter.send(out)
    except PermanentSendError as exc:
        with unit_of_work(engine) as session:
            record_failure(session, message_id, utcnow(), exc)
            session.commit()
        return Outcome("failed", error=exc)
    except TransientSendError as exc:
        return Outcome("retry", error=exc)
    except Exception as exc:  # an adapter bug: treat like an interrupted attempt
        log.exception("channel %s raised unexpectedly for message %s", out.channel, message_id)
        return Outcome("retry", error=TransientSendError(repr(exc)[:400], code="error", uncertain=True))
    with unit_of_work(engine) as session:
        record_sent(session, message_id, provider_id, utcnow(), detail=how)
        session.commit()
    return Outcome("sent", provider_id)


def schedule_retry(
    engine: Engine, message_id: int, error: TransientSendError, countdown: float, now: datetime | None = None
) -> datetime:
    now = now or utcnow()
    retry_at = now + timedelta(seconds=countdown)
    with unit_of_work(engine) as session:
        record_retry(session, message_id, now, error, retry_at)
        session.commit()
    return retry_at


def give_up(engine: Engine, message_id: int, error: SendError) -> None:
    with unit_of_work(engine) as session:
        record_failure(
            session,
            message_id,
            utcnow(),
            PermanentSendError(f"gave up after retries: {error}", code=error.code),
        )
        session.commit()


@dataclass
class DispatchReport:
    recovered: list[int] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)
    dispatched: int = 0


def dispatch_due(engine: Engine, settings: Settings, now: datetime | None = None) -> DispatchReport:
    """The minute tick: recover expired leases, start due campaign runs, hand out due messages in chunks.

    Every chunk is committed before its jobs are published, so a job never names an uncommitted row."""
    now = now or utcnow()
    report = DispatchReport()
    with unit_of_work(engine) as session:
        report.recovered = recover_stuck(session, now)
        session.commit()

    with unit_of_work(engine) as session:
        report.runs = list(claim_due_runs(session, now))
        for run_id in report.runs:
            jobs.defer(session, "workers.run_campaign", run_id)
        session.commit()
    redispatch = timedelta(seconds=settings.dispatch_redispatch_seconds)
    while report.dispatched < settings.dispatch_max_per_tick:
        with unit_of_work(engine) as session:
            ids = claim_due_messages(session, now, limit=settings.dispatch_chunk, redispatch_after=redispatch)
            session.commit()
        report.dispatched += len(ids)
        if len(ids) < settings.dispatch_chunk:
            break
    return report
