"""Deliver one message and dispatch due work: the worker's units of work around the domain steps.

Each step is its own committed unit of work: claim (commit) -> provider calls, fenced in lanes (a commit
per chunk renews the next claims and records the last outcomes) -> final state (commit).
Jobs deferred inside a unit of work reach the broker only after its commit (loyalty.core.jobs). The
tasks in workers.tasks are thin wrappers around these, which keeps these testable without Celery.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from loyalty.campaigns.running import claim_due_runs
from loyalty.core import jobs
from loyalty.core.clock import utcnow
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.delivery.claiming import claim_pending, lock_batch, prepare_send
from loyalty.delivery.outcomes import record_failure
from loyalty.delivery.pacing import reserve_slots
from loyalty.messaging.adapter import (
    Outgoing,
    PermanentSendError,
    SendError,
    TransientSendError,
)
from loyalty.messaging.claims import (
    OUTAGE,
    claim_due_messages,
    record_retry,
    record_sent_many,
    recover_stuck,
    renew_claims,
    requeue_after_outage,
    retry_deadline,
)
from workers.channels.netgsm_sms import MAX_PER_REQUEST
from workers.channels.routed_sms import RoutedSmsChannel
from workers.send_lanes import ChannelFor, Lane, Outcome, record_outcomes

log = logging.getLogger(__name__)


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
    """``deliver`` for many messages: one transaction claims every message that is still due (each
    through ``prepare_send``: the same locks, policy and claim-before-send record as one by one), one
    commit; then the provider calls in lanes, fenced (``workers.send_lanes``): a call goes only while
    the claim is still this batch's, under a lease renewed for it (a claim recovered after its lease and
    taken by another worker is skipped here), and the outcomes are recorded a chunk at a time. A crash
    leaves at most one chunk per lane in ``sending`` under its lease, reconciled with the provider
    before any resend (on a channel that cannot reconcile, only the message in flight). Transient errors
    come back as ``Outcome("retry")`` (with the claim's token) for the caller."""
    message_ids = list(dict.fromkeys(message_ids))
    outcomes: dict[int, Outcome] = {}
    claimed: list[Outgoing] = []
    with unit_of_work(engine) as session:
        when = now or utcnow()
        batch = lock_batch(session, message_ids, settings)
        for message_id in message_ids:
            out = prepare_send(session, message_id, when, settings, batch=batch)
            if out is None:
                outcomes[message_id] = Outcome("skipped")
            else:
                claimed.append(out)
        claim_pending(session, batch, when, settings)
        session.commit()
    at = _send_times(engine, claimed, settings) if claimed else {}
    leased = when + timedelta(seconds=settings.message_lease_seconds)  # as claim_pending wrote it
    held = {out.message_id: leased for out in claimed}
    called = _call_all(claimed, channel_for, settings, at, held, engine)
    outcomes |= {out.message_id: outcome for out, outcome in zip(claimed, called, strict=True)}
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
    claimed: list[Outgoing],
    channel_for: ChannelFor,
    settings: Settings,
    at: dict[int, float],
    held: dict[int, datetime],
    engine: Engine,
) -> list[Outcome]:
    """The provider calls of a batch in ``settings.send_threads`` lanes (``workers.send_lanes``), each
    lane on its own thread (``channel_for`` then gives each thread its own adapter, as
    ``workers.tasks.channel_for`` does: connections are not shared), each call not before its send slot
    in ``at``."""
    gateway = "netgsm" in settings.sms_routes
    done = _gateway_requests(claimed, channel_for, at, engine, settings) if gateway else {}
    rest = sorted(
        (out for out in claimed if out.message_id not in done), key=lambda o: at.get(o.message_id, 0.0)
    )
    lanes = max(1, min(settings.send_threads, len(rest)))
    shares = [rest[k::lanes] for k in range(lanes)]
    made = [Lane(engine, channel_for, settings, at, held) for _ in shares]

    def run(k: int) -> list[Outcome]:
        return made[k].run(shares[k], record_last=False)

    calls = [_pool(settings.send_threads).submit(run, k) for k in range(lanes)] if lanes > 1 else []
    results: list[list[Outcome] | BaseException] = []
    for k in range(lanes):
        try:
            results.append(calls[k].result() if calls else run(k))
        except Exception as exc:  # the lane recorded its own outcomes; the others' are recorded below
            results.append(exc)
    record_outcomes(engine, [d for lane in made for d in lane.left])  # the lanes' last chunks, at once
    for share, outcomes in zip(shares, results, strict=True):
        if isinstance(outcomes, BaseException):
            raise outcomes
        done |= {out.message_id: outcome for out, outcome in zip(share, outcomes, strict=True)}
    return [done[out.message_id] for out in claimed]


def _gateway_requests(
    claimed: list[Outgoing], channel_for: ChannelFor, at: dict[int, float], engine: Engine, settings: Settings
) -> dict[int, Outcome]:
    """SMS a gateway takes many to a request (NetGSM: one job, many numbers), sent that way, fenced
    like one by one: the claims still this batch's are renewed (commit), one request, the outcomes
    recorded (commit); an error is every message's of that request."""
    unpaced = [out for out in claimed if out.channel == "sms" and out.message_id not in at]
    if len(unpaced) < 2:
        return {}
    router = channel_for("sms")
    if not isinstance(router, RoutedSmsChannel):
        return {}
    groups, _ = router.gateway_groups(unpaced)
    lease = timedelta(seconds=settings.message_lease_seconds)
    done: dict[int, Outcome] = {}
    for group in groups:
        for start in range(0, len(group), MAX_PER_REQUEST):
            chunk = group[start : start + MAX_PER_REQUEST]
            with unit_of_work(engine) as session:
                renewed = renew_claims(session, {o.message_id: o.claim_token for o in chunk}, utcnow(), lease)
                session.commit()
            held = [o for o in chunk if o.message_id in renewed]
            for out in chunk:
                done[out.message_id] = Outcome("skipped", claim_token=out.claim_token)
            if not held:
                continue
            try:
                ids = router.send_many(held)
                outcomes = [
                    Outcome("sent", i, claim_token=o.claim_token) for o, i in zip(held, ids, strict=True)
                ]
            except PermanentSendError as exc:
                outcomes = [Outcome("failed", error=exc, claim_token=o.claim_token) for o in held]
            except TransientSendError as exc:
                outcomes = [Outcome("retry", error=exc, claim_token=o.claim_token) for o in held]
            with unit_of_work(engine) as session:
                when = utcnow()
                sent = {o.message_id: (r.provider_id or "", "") for o, r in zip(held, outcomes, strict=True)}
                if outcomes[0].status == "sent":
                    record_sent_many(session, sent, when)
                elif outcomes[0].status == "failed":
                    for out, outcome in zip(held, outcomes, strict=True):
                        assert outcome.error is not None
                        record_failure(session, out.message_id, when, outcome.error, token=out.claim_token)
                session.commit()
            done |= {out.message_id: outcome for out, outcome in zip(held, outcomes, strict=True)}
    return done


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(threads: int) -> ThreadPoolExecutor:
    """One sending pool per process, made on first use (after a prefork worker's fork): its threads
    live on, so their adapters keep their connections from batch to batch."""
    with _pools_lock:
        if threads not in _pools:
            _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="send")
        return _pools[threads]


def schedule_retry(
    engine: Engine,
    message_id: int,
    error: TransientSendError,
    countdown: float,
    now: datetime | None = None,
    *,
    token: str | None = None,
) -> datetime | None:
    """Back to queued for a retry in ``countdown`` seconds; None when the claim (``token``) was taken
    over meanwhile (then nothing is scheduled: the new holder owns the message)."""
    now = now or utcnow()
    retry_at = now + timedelta(seconds=countdown)
    with unit_of_work(engine) as session:
        kept = record_retry(session, message_id, now, error, retry_at, token=token)
        session.commit()
    return retry_at if kept else None


def give_up(
    engine: Engine,
    message_id: int,
    error: SendError,
    *,
    token: str | None = None,
    reason: str = "gave up after retries",
    code: str | None = None,
) -> None:
    with unit_of_work(engine) as session:
        record_failure(
            session,
            message_id,
            utcnow(),
            PermanentSendError(f"{reason}: {error}"[:480], code=code or error.code),
            token=token,
        )
        session.commit()


def backoff(attempt: int, error: TransientSendError, cap: float) -> float:
    """Seconds before the next try: 5 s doubling per attempt up to ``cap``, the upper half of it jittered
    (so retries spread out without ever bunching at zero), and never before the provider's Retry-After."""
    base = min(cap, 5.0 * 2 ** min(attempt, 20))
    return max(base / 2 + random.uniform(0, base / 2), error.retry_after or 0.0)


def retry_or_give_up(
    engine: Engine,
    message_id: int,
    error: TransientSendError,
    attempt: int,
    settings: Settings,
    *,
    token: str | None = None,
    now: datetime | None = None,
) -> float | None:
    """After a transient failure: the countdown to the next try, recorded (``schedule_retry``), or None
    when the message gave up (its deadline comes before the next try) or its claim was taken over.

    Retries are timed, not counted: they go on until the message's own deadline (send-by, expiry, its
    coupon's end) or ``LOYALTY_SEND_RETRY_WINDOW`` after it was queued. One given up at the window is
    marked ``outage``: re-queued by the minute tick once the provider accepts messages again."""
    now = now or utcnow()
    countdown = backoff(attempt, error, settings.send_retry_backoff_max)
    with unit_of_work(engine) as session:
        deadline, own = retry_deadline(session, message_id, timedelta(seconds=settings.send_retry_window))
    if now + timedelta(seconds=countdown) >= deadline:
        why = "its deadline" if own else "the retry window (re-queued when the provider answers again)"
        reason = f"gave up at {why} {deadline:%Y-%m-%d %H:%M} UTC after {attempt + 1} attempts"
        give_up(engine, message_id, error, token=token, reason=reason, code=None if own else OUTAGE)
        return None
    if schedule_retry(engine, message_id, error, countdown, now, token=token) is None:
        return None
    return countdown


@dataclass
class DispatchReport:
    recovered: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)  # given up in a provider outage, now going again
    runs: list[int] = field(default_factory=list)
    dispatched: int = 0


def dispatch_due(engine: Engine, settings: Settings, now: datetime | None = None) -> DispatchReport:
    """The minute tick: recover expired leases, start due campaign runs, hand out due messages in chunks.

    Every chunk is committed before its jobs are published, so a job never names an uncommitted row."""
    now = now or utcnow()
    report = DispatchReport()
    with unit_of_work(engine) as session:
        report.recovered = recover_stuck(session, now)
        report.requeued = requeue_after_outage(session, now)
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
