"""Thin Celery tasks: ids in, a unit of work per step, loyalty services do the work."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

from celery import Task
from sqlalchemy.engine import Engine

from loyalty.campaigns.running import run_campaign as run
from loyalty.core.clock import utcnow
from loyalty.core.collector import bulk_collection
from loyalty.core.db import get_engine, unit_of_work
from loyalty.core.jobs import defer
from loyalty.core.settings import Settings, get_settings, with_stored_shop
from loyalty.coupons.housekeeping import expire_coupons as expire
from loyalty.coupons.idempotency import purge_keys
from loyalty.messaging.adapter import ChannelAdapter, TransientSendError
from loyalty.messaging.heartbeats import BEAT, beat
from loyalty.messaging.routes import parse_routes
from loyalty.occasions.reminders import queue_occasion_reminders
from workers import apns, delivery, gateway, google_wallet, iys
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


def _settings() -> Settings:
    """The settings with the shop's stored values read again: a change saved on /admin applies to the next
    task without restarting the worker."""
    return with_stored_shop(get_settings())


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
    report = delivery.dispatch_due(_engine(), _settings())
    return {"recovered": len(report.recovered), "runs": len(report.runs), "dispatched": report.dispatched}


@app.task(
    name="workers.send_message",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_message(self: Task, message_id: int) -> str:
    settings = _settings()
    engine = _engine()
    outcome = delivery.deliver(message_id, engine=engine, settings=settings, channel_for=channel_for)
    if outcome.status != "retry":
        return outcome.status
    error = outcome.error
    assert isinstance(error, TransientSendError)
    countdown = delivery.retry_or_give_up(
        engine, message_id, error, self.request.retries, settings, token=outcome.claim_token
    )
    if countdown is None:  # gave up at its deadline, or another worker took the claim over
        return "done"
    raise self.retry(countdown=countdown, exc=error, max_retries=None)  # timed, not counted


@app.task(
    name="workers.send_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_batch(message_ids: list[int]) -> dict[str, int]:
    """Many messages in two commits (workers.delivery.deliver_batch); a message that meets a transient
    error goes on alone, as a ``send_message`` task with its own retries and backoff."""
    settings = _settings()
    engine = _engine()
    outcomes = delivery.deliver_batch(message_ids, engine=engine, settings=settings, channel_for=channel_for)
    for message_id, outcome in outcomes.items():
        if outcome.status == "retry":
            assert isinstance(outcome.error, TransientSendError)
            countdown = delivery.retry_or_give_up(
                engine, message_id, outcome.error, 0, settings, token=outcome.claim_token
            )
            if countdown is not None:
                send_message.apply_async((message_id,), countdown=countdown)
    return dict(Counter(outcome.status for outcome in outcomes.values()))


@app.task(name="workers.run_campaign", ignore_result=True)
def run_campaign(run_id: int) -> None:
    with unit_of_work(_engine()) as session, bulk_collection():
        run(session, run_id, utcnow(), _settings())
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


@app.task(name="workers.poll_gateway", ignore_result=True)
def poll_gateway() -> dict[str, int]:
    """NetGSM's delivery reports and inbox, when a route uses it."""
    settings = get_settings()
    backends = {r.backend for r in parse_routes(settings.sms_routes)} | {settings.sms_backend}
    if "netgsm" not in backends:
        return {}
    client, now = gateway.client_for(settings), utcnow()
    return {
        "reports": gateway.poll_reports(_engine(), client, now),
        "inbox": gateway.poll_inbox(_engine(), client, now),
    }


@app.task(name="workers.iys_sync", ignore_result=True)
def iys_sync() -> dict[str, object]:
    """Consent changes up to İYS, refusals made at İYS back into the ledger (when LOYALTY_IYS_URL is set)."""
    settings = get_settings()
    if not settings.iys_url:
        return {}
    clients: dict[str, iys.IysClient] = _local.__dict__.setdefault("iys", {})
    client = clients.setdefault(settings.iys_url, iys.IysClient(settings))
    return iys.sync(_engine(), client, settings, utcnow())


@app.task(name="workers.wallet_push", ignore_result=True)
def wallet_push(pass_ids: list[int]) -> dict[str, int]:
    """The changed wallet passes: an (empty) APNs push to the devices registered for them, which then fetch
    what changed from the pass web service; their Google Wallet objects updated through the Wallet API."""
    settings = get_settings()
    report: dict[str, int] = {}
    clients: dict[str, Any] = _local.__dict__.setdefault("wallet", {})
    if settings.apple_pass_configured:
        apple = clients.setdefault("apns", apns.ApnsClient(settings))
        report |= apns.push_passes(_engine(), apple, pass_ids)
    if settings.google_wallet_configured:
        google = clients.setdefault("google", google_wallet.GoogleWalletClient(settings))
        report |= google_wallet.update_objects(_engine(), google, settings, pass_ids)
    return report
