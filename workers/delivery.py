"""Deliver one message and dispatch due work: the worker's units of work around the domain steps.

Each step is its own committed unit of work: claim (commit) -> provider call -> final state (commit).
Jobs deferred inside a unit of work reach the broker only after its commit (loyalty.core.jobs). The
tasks in workers.tasks are thin wrappers around these, which keeps these testable without Celery.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from loyalty.campaigns.running import claim_due_runs
from loyalty.core import jobs
from loyalty.core.db import unit_of_work, utcnow
from loyalty.core.settings import Settings
from loyalty.delivery.claiming import claim_pending, lock_batch, prepare_send
from loyalty.delivery.outcomes import record_failure
from loyalty.delivery.pacing import reserve_slots
from loyalty.messaging.adapter import (
    ChannelAdapter,
    Outgoing,
    PermanentSendError,
    SendError,
    TransientSendError,
)
from loyalty.messaging.claims import claim_due_messages, record_retry, record_sent_many, recover_stuck

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
    return deliver_batch([message_id], engine=engine, settings=settings, channel_for=channel_for, now=now)[
        message_id
    ]


def deliver_batch(
    message_ids: list[int],
    *,
    engine: Engine,
    settings: Settings,
    channel_for: ChannelFor,
    now: datetime | None = None,
) -> dict[int, Outcome]:
    """``deliver`` for many messages with two commits in all instead of two per message.

    One transaction claims every message that is still due (each through ``prepare_send``: the same
    locks, policy and claim-before-send record as one by one), one commit; then the provider calls, on
    the adapters' reused connections; then one transaction records every sent and failed outcome. A
    crash between the two commits leaves the claimed rows in ``sending`` under their lease: reconciled
    as for ``deliver``. Transient errors come back as ``Outcome("retry")`` for the caller to schedule."""
    message_ids = list(dict.fromkeys(message_ids))
    outcomes: dict[int, Outcome] = {}
    claimed: list[Outgoing] = []
    with unit_of_work(engine) as session:
        when = now or utcnow()
        batch = lock_batch(session, message_ids)
        for message_id in message_ids:
            out = prepare_send(session, message_id, when, settings, batch=batch)
            if out is None:
                outcomes[message_id] = Outcome("skipped")
            else:
                claimed.append(out)
        claim_pending(session, batch, when, settings)
        session.commit()
    how: dict[int, str] = {}
    at = _send_times(engine, claimed, settings) if claimed else {}
    for out, (outcome, found) in zip(claimed, _call_all(claimed, channel_for, settings, at), strict=True):
        outcomes[out.message_id] = outcome
        if found:
            how[out.message_id] = "found at the provider after an interrupted attempt"
    sent = {i: (o.provider_id or "", how.get(i, "")) for i, o in outcomes.items() if o.status == "sent"}
    failed = [(i, o.error) for i, o in outcomes.items() if o.status == "failed" and o.error is not None]
    if sent or failed:
        with unit_of_work(engine) as session:
            done = utcnow()
            record_sent_many(session, sent, done)
            for message_id, error in failed:
                record_failure(session, message_id, done, error)
            session.commit()
    return {message_id: outcomes[message_id] for message_id in message_ids}


def _send_times(engine: Engine, claimed: list[Outgoing], settings: Settings) -> dict[int, float]:
    """``time.monotonic()`` instants each message may go at, from its channel's shared send rate
    (``LOYALTY_SMS_RATE`` / ``LOYALTY_EMAIL_RATE``; a channel at 0 is not paced)."""
    rates = {"sms": settings.sms_rate, "email": settings.email_rate}
    at: dict[int, float] = {}
    for channel in sorted({out.channel for out in claimed}):
        rate = rates.get(channel, 0.0)
        if rate <= 0:
            continue
        mine = [out for out in claimed if out.channel == channel]
        with unit_of_work(engine) as session:
            now = utcnow()
            start = reserve_slots(session, channel, len(mine), rate, now)
            session.commit()
        base = time.monotonic() + (start - now).total_seconds()
        for k, out in enumerate(mine):
            at[out.message_id] = base + k / rate
    return at


def _call_all(
    claimed: list[Outgoing], channel_for: ChannelFor, settings: Settings, at: dict[int, float]
) -> list[tuple[Outcome, bool]]:
    """The provider calls of a batch, on ``settings.send_threads`` threads (``channel_for`` then gives
    each thread its own adapter, as ``workers.tasks.channel_for`` does: connections are not shared),
    each one not before its send slot in ``at``."""

    def call(out: Outgoing) -> tuple[Outcome, bool]:
        wait = at.get(out.message_id, 0.0) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        return _call_provider(channel_for(out.channel), out)

    if settings.send_threads <= 1 or len(claimed) <= 1:
        return [call(out) for out in claimed]
    return list(_pool(settings.send_threads).map(call, claimed))


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(threads: int) -> ThreadPoolExecutor:
    """One sending pool per process, made on first use (after a prefork worker's fork): its threads
    live on, so their adapters keep their connections from batch to batch."""
    with _pools_lock:
        if threads not in _pools:
            _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="send")
        return _pools[threads]


def _call_provider(adapter: ChannelAdapter, out: Outgoing) -> tuple[Outcome, bool]:
    """The provider call of one claimed message (asking first when an earlier attempt may have got
    through); returns the outcome and whether the provider already had it."""
    try:
        provider_id = (
            adapter.find_accepted(out) if out.check_provider_first and adapter.can_reconcile else None
        )
        if provider_id is not None:
            return Outcome("sent", provider_id), True
        return Outcome("sent", adapter.send(out)), False
    except PermanentSendError as exc:
        return Outcome("failed", error=exc), False
    except TransientSendError as exc:
        return Outcome("retry", error=exc), False
    except Exception as exc:  # an adapter bug: treat like an interrupted attempt
        log.exception("channel %s raised unexpectedly for message %s", out.channel, out.message_id)
        error = TransientSendError(repr(exc)[:400], code="error", uncertain=True)
        return Outcome("retry", error=error), False


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
            ids = claim_due_messages(
                session,
                now,
                limit=settings.dispatch_chunk,
                redispatch_after=redispatch,
                batch=settings.send_batch,
            )
            session.commit()
        report.dispatched += len(ids)
        if len(ids) < settings.dispatch_chunk:
            break
    return report
