"""The Turkish gateway's two read-backs, as units of work: delivery reports into message states, and
the inbox (replies to the gateway's numbers) into the same keyword rule as Twilio's webhook."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.delivery.outcomes import apply_provider_status
from loyalty.members.keywords import handle_inbound_sms
from loyalty.messaging.receipts import first_receipt
from loyalty.models.messages import Message, MessageState
from workers.channels.netgsm_sms import PROVIDER, NetgsmClient, NetgsmError, report_updates

log = logging.getLogger(__name__)
REPORT_DAYS = 3  # reports are asked for messages sent this recently and not yet final
REPORT_BATCH = 1000
INBOX_WINDOW = timedelta(hours=2)
GATEWAY_ZONE = ZoneInfo("Europe/Istanbul")  # NetGSM's dates are Turkish time


def client_for(settings: Settings) -> NetgsmClient:
    return NetgsmClient(
        settings.netgsm_url, settings.netgsm_usercode, settings.netgsm_password, settings.netgsm_timeout
    )


def poll_reports(engine: Engine, client: NetgsmClient, now: datetime) -> int:
    """Ask the gateway about its sent, not yet final messages; returns how many moved."""
    with unit_of_work(engine) as session:
        rows = session.exec(
            select(Message.provider_id)
            .where(
                Message.state == MessageState.sent,
                col(Message.provider_id).startswith(f"{PROVIDER}:"),
                col(Message.sent_at) >= now - timedelta(days=REPORT_DAYS),
            )
            .limit(REPORT_BATCH)
        ).all()
    jobids: dict[str, int] = defaultdict(int)
    for provider_id in rows:
        jobids[str(provider_id).split(":")[1]] += 1
    if not jobids:
        return 0
    try:
        jobs = client.report(sorted(jobids))
    except (NetgsmError, requests.RequestException) as exc:
        log.warning("NetGSM delivery reports not read: %s", exc)
        return 0
    moved = 0
    with unit_of_work(engine) as session:
        for provider_id, state, status, error_code, effect in report_updates(jobs):
            moved += apply_provider_status(
                session,
                provider_id=provider_id,
                state=state,
                provider_status=status,
                error_code=error_code,
                effect=effect,
                now=now,
                actor=PROVIDER,
            )
        session.commit()
    return moved


def gateway_time(value: datetime) -> str:
    return value.astimezone(GATEWAY_ZONE).strftime("%d%m%Y%H%M%S")


def poll_inbox(engine: Engine, client: NetgsmClient, now: datetime) -> int:
    """Replies of the last hours, each acted on once (a receipt per sender, time and text)."""
    try:
        messages = client.inbox(gateway_time(now - INBOX_WINDOW), gateway_time(now))
    except (NetgsmError, requests.RequestException) as exc:
        log.warning("NetGSM inbox not read: %s", exc)
        return 0
    handled = 0
    with unit_of_work(engine) as session:
        for message in messages:
            sender = "+" + str(message.get("sender", "")).lstrip("+")
            body = str(message.get("message", ""))
            key = f"{sender}|{message.get('datetime', '')}|{body}"
            sid = "netgsm-" + hashlib.sha256(key.encode()).hexdigest()[:48]
            if first_receipt(session, "inbound", sid, now):
                handle_inbound_sms(
                    session, sender=sender, body=body, message_sid=sid, now=now, actor=PROVIDER
                )
                handled += 1
        session.commit()
    return handled
