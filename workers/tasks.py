"""Thin Celery tasks: ids in, a unit of work per step, loyalty services do the work."""

from __future__ import annotations

import logging
import threading
from collections import Counter

from celery import Task
from celery.utils.time import get_exponential_backoff_interval
from sqlalchemy.engine import Engine

from loyalty.campaigns.running import run_campaign as run
from loyalty.core.db import get_engine, unit_of_work, utcnow
from loyalty.core.jobs import defer
from loyalty.core.settings import get_settings
from loyalty.coupons.housekeeping import expire_coupons as expire
from loyalty.coupons.idempotency import purge_keys
from loyalty.messaging.adapter import ChannelAdapter, TransientSendError
from loyalty.messaging.heartbeats import BEAT, beat
from loyalty.occasions.reminders import queue_occasion_reminders
from workers import delivery
from workers.app import app
from workers.channels import make_channel

log = logging.getLogger(__name__)
_local = threading.local()


def channel_for(name: str) -> ChannelAdapter:
    """One adapter per channel per thread (keeps the SMTP connection and Twilio's HTTP session; a batch's
    sending threads each get their own)."""
    channels: dict[str, ChannelAdapter] = _local.__dict__.setdefault("channels", {})
    if name not in channels:
        channels[name] = make_channel(name, get_settings())
    return channels[name]


def _engine() -> Engine:
    return get_engine(get_settings().database_url)


@app.task(name="workers.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Beat's tick, run by a worker: proof for /readyz that beat, the broker and a worker all work."""
    with unit_of_work(_engine()) as session:
        beat(session, BEAT, utcnow())
        session.commit()


@app.task(name="workers.dispatch_due", ignore_result=True)
def dispatch_due() -> dict[str, int]:
    report = delivery.dispatch_due(_engine(), get_settings())
    return {"recovered": len(report.recovered), "runs": len(report.runs), "dispatched": report.dispatched}


@app.task(
    name="workers.send_message",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_message(self: Task, message_id: int) -> str:
    settings = get_settings()
    engine = _engine()
    outcome = delivery.deliver(message_id, engine=engine, settings=settings, channel_for=channel_for)
    if outcome.status != "retry":
        return outcome.status
    error = outcome.error
    assert isinstance(error, TransientSendError)
    retries = self.request.retries
    if retries >= settings.send_max_retries:
        delivery.give_up(engine, message_id, error)
        return "failed"
    countdown = _backoff(retries, error)
    delivery.schedule_retry(engine, message_id, error, countdown)
    raise self.retry(countdown=countdown, exc=error, max_retries=settings.send_max_retries)


@app.task(
    name="workers.send_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_batch(message_ids: list[int]) -> dict[str, int]:
    """Many messages in two commits (workers.delivery.deliver_batch); a message that meets a transient
    error goes on alone, as a ``send_message`` task with its own retries and backoff."""
    settings = get_settings()
    engine = _engine()
    outcomes = delivery.deliver_batch(message_ids, engine=engine, settings=settings, channel_for=channel_for)
    for message_id, outcome in outcomes.items():
        if outcome.status == "retry":
            assert isinstance(outcome.error, TransientSendError)
            countdown = _backoff(0, outcome.error)
            delivery.schedule_retry(engine, message_id, outcome.error, countdown)
            send_message.apply_async((message_id,), countdown=countdown)
    return dict(Counter(outcome.status for outcome in outcomes.values()))


def _backoff(retries: int, error: TransientSendError) -> float:
    """Exponential backoff with full jitter, at least a second and at least the provider's Retry-After."""
    wait = get_exponential_backoff_interval(
        factor=2, retries=retries, maximum=get_settings().send_retry_backoff_max, full_jitter=True
    )
    return max(1.0, wait, error.retry_after or 0.0)


@app.task(name="workers.run_campaign", ignore_result=True)
def run_campaign(run_id: int) -> None:
    with unit_of_work(_engine()) as session:
        run(session, run_id, utcnow(), get_settings())
        defer(session, "workers.dispatch_due")  # messages due now go out without waiting for the tick
        session.commit()


@app.task(name="workers.expire_coupons", ignore_result=True)
def expire_coupons() -> int:
    with unit_of_work(_engine()) as session:
        count: int = expire(session, utcnow())
        session.commit()
    return count


@app.task(name="workers.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    """Redeem answers are replayed for two days; older keys are only clutter."""
    with unit_of_work(_engine()) as session:
        count = purge_keys(session, utcnow())
        session.commit()
    return count


@app.task(name="workers.daily_occasions", ignore_result=True)
def daily_occasions() -> int:
    with unit_of_work(_engine()) as session:
        count: int = queue_occasion_reminders(session, utcnow())
        session.commit()
    return count
