"""The forecast (issue 19 point 10): what the coming days will send, by the real code on a simulated clock.

``play`` runs, inside the caller's transaction, exactly the steps the worker runs: the hourly occasion job
(``queue_occasion_reminders`` at minute 30; only its runs that can queue something, each for the zones
whose day begins then: ``job_times.occasion_job_zones``), due campaign runs (``claim_due_runs`` +
``run_campaign``) and, for the messages due at each instant, the send-time policy and content as
``deliver_batch`` claims a batch (``lock_batch`` + ``prepare_send``: quiet hours, the cap, pauses ending,
lapse ageing, dead references, rendering), recording each send as the worker would so the cap of later days
counts it. It steps from one instant something is due to the next, never through idle hours. The caller
ROLLS BACK afterwards: nothing is written, nothing is sent (no provider is called; after-commit jobs are
dropped with the rollback). Filters (member, campaign) only narrow what is
returned: every member and campaign is played, since they meet in the cap.

Limits (docs/marketing.md): a message goes at its ``not_before`` here, within the minute the dispatcher
would take; a provider's failure cannot be foreseen; while it runs it holds the rows it touched (PostgreSQL
row locks, SQLite's write lock), so the API answers at most ``MAX_DAYS`` days.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.campaigns.running import claim_due_runs, run_campaign
from loyalty.core.errors import Invalid
from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.delivery.claiming import claim_pending, lock_batch, prepare_send
from loyalty.messaging import pass_updates
from loyalty.messaging.claims import record_sent_many
from loyalty.messaging.fates import deferred_reason, fate_of, last_deferrals
from loyalty.messaging.outbox import chunks
from loyalty.messaging.sms_encoding import sms_segments
from loyalty.models.campaigns import CampaignRun, RunStatus
from loyalty.models.members import Member
from loyalty.models.messages import Category, Message, MessageState
from loyalty.occasions.job_times import occasion_job_zones
from loyalty.occasions.reminders import queue_occasion_reminders

MAX_DAYS = 400
FORECAST_PROVIDER_ID = "forecast"


@dataclass
class ForecastMessage:
    message_id: int
    member_id: int | None
    kind: str  # the message's purpose: birthday_self, holiday_coupon, card_welcome, ...
    category: str
    campaign_id: int | None
    occasion_id: int | None
    channel: str
    send_at: datetime  # UTC: when it goes (or, cancelled/dropped: when that was decided)
    local_send_at: datetime  # the same instant in the member's zone
    fate: str  # send | deferred | dropped | cancelled
    reason: str = ""
    segments: int = 0


@dataclass
class Forecast:
    start: datetime
    days: int
    messages: list[ForecastMessage] = field(default_factory=list)
    totals: list[dict[str, Any]] = field(default_factory=list)  # per day (shop-local) and channel
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _next_event(session: Session, at: datetime, end: datetime, job_times: list[datetime]) -> datetime:
    """The next instant something is due: an occasions job run that matters, a campaign run, a waiting
    message (one statement for both tables)."""
    run_at = (
        sa.select(sa.func.min(col(CampaignRun.issue_at)))
        .where(col(CampaignRun.status) == RunStatus.scheduled.value, col(CampaignRun.issue_at) > at)
        .scalar_subquery()
    )
    message_at = (
        sa.select(sa.func.min(col(Message.not_before)))
        .where(col(Message.state) == MessageState.queued.value, col(Message.not_before) > at)
        .scalar_subquery()
    )
    found = session.execute(sa.select(run_at, message_at)).one()
    while job_times and job_times[0] <= at:
        job_times.pop(0)
    candidates = [end, *job_times[:1], *(t for t in found if t is not None)]
    return min(as_aware(t) for t in candidates)


def as_aware(at: datetime) -> datetime:
    """An instant read back from the database (SQLite's are naive UTC) as an aware one."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _due(session: Session, at: datetime) -> list[int]:
    return list(
        session.execute(
            sa.select(col(Message.id))
            .where(col(Message.state) == MessageState.queued.value, col(Message.not_before) <= at)
            .order_by(col(Message.not_before), col(Message.id))
        ).scalars()
    )


def play(
    session: Session,
    settings: Settings,
    *,
    start: datetime,
    days: int,
    member_id: int | None = None,
    campaign_id: int | None = None,
) -> Forecast:
    """Play ``days`` days from ``start`` through the worker's steps; the caller rolls back afterwards."""
    with rehearsal(session):
        player = Player(session, settings, start=start, days=days)
        player.advance()
        return player.forecast(member_id=member_id, campaign_id=campaign_id)


@contextmanager
def rehearsal(session: Session) -> Iterator[None]:
    """While a forecast plays: wallet passes take no tag (its row lock would hold real sends)."""
    session.info[pass_updates.REHEARSAL] = True
    try:
        yield
    finally:
        session.info.pop(pass_updates.REHEARSAL, None)


class Player:
    """The play's clock and what it found so far, so that a play can stop at an instant and go on from
    there, or be copied to go on twice from one state (``campaign_forecast``: without and with a campaign,
    which are the same until its first run)."""

    def __init__(self, session: Session, settings: Settings, *, start: datetime, days: int) -> None:
        if not 1 <= days <= MAX_DAYS:
            raise Invalid("days", "delivery.days_1", max_days=MAX_DAYS)
        self.session, self.settings, self.start, self.days = session, settings, start, days
        self.end = start + timedelta(days=days)
        self.zones: dict[int, str] = {}
        self.found: dict[int, ForecastMessage] = {}
        self.deferred: dict[int, str] = {}
        self.jobs = occasion_job_zones(session, start, self.end, shop_zone=settings.timezone)
        self.job_times = list(self.jobs)
        self.at: datetime | None = start  # the next instant to play (None: recompute from ``played``)
        self.played: datetime | None = None  # the last instant played

    def copy(self) -> Player:
        """The same play, to go on separately (the database state is the caller's: a savepoint)."""
        other = copy.copy(self)
        other.zones, other.found, other.deferred = dict(self.zones), dict(self.found), dict(self.deferred)
        other.job_times = list(self.job_times)
        other.at = None  # what is due next depends on what the caller changed meanwhile
        return other

    def advance(self, until: datetime | None = None) -> None:
        """Play every instant before ``until`` (default: the period's end)."""
        session, settings = self.session, self.settings
        limit = min(until or self.end, self.end)
        at = self.at if self.at is not None else self._next()
        while at < limit:
            if at in self.jobs:
                queue_occasion_reminders(session, at, self.jobs[at])
            for run_id in claim_due_runs(session, at, limit=100):
                run_campaign(session, run_id, at, settings)
            due = _due(session, at)
            if due:
                self._send_due(due, at)
            self.played = at
            at = self._next()
        self.at = at

    def _next(self) -> datetime:
        if self.played is None:
            return self.start
        return _next_event(self.session, self.played, self.end, self.job_times)

    def _send_due(self, due: list[int], at: datetime) -> None:
        """The messages due at ``at`` through the policy as ``workers.delivery.deliver_batch`` claims them
        (``lock_batch``: two statements for every row lock; the frequency cap counts the batch's earlier
        claims), each recorded as sent, as the worker would after its provider call."""
        session, settings = self.session, self.settings
        found, deferred, zones = self.found, self.deferred, self.zones
        batch = lock_batch(session, due, settings)
        for member in batch.members.values():
            zones[member.id or 0] = member.timezone
        sent: list[int] = []
        waiting: list[int] = []
        for message_id in due:
            message = batch.messages.get(message_id)
            if message is None:  # another worker holds it: the worker would skip it too
                continue
            out = prepare_send(session, message_id, at, settings, batch=batch)
            if out is not None:  # its line now, before a later claim_pending expires the row
                sent.append(message_id)
                segments = sms_segments(out.text).segments if out.channel == "sms" else 0
                why = deferred.get(message_id, "")
                fate = "deferred" if why else "send"
                found[message_id] = _line(session, message, at, fate, why, segments, zones, settings)
            elif message.state == MessageState.cancelled:
                fate = fate_of(str(message.state), message.error_message, deferred=False)
                found[message_id] = _line(
                    session, message, at, fate, message.error_message or "", 0, zones, settings
                )
            elif message.not_before > at:
                waiting.append(message_id)
        claim_pending(session, batch, at, settings)
        record_sent_many(session, {message_id: (FORECAST_PROVIDER_ID, "forecast") for message_id in sent}, at)
        details = last_deferrals(session, waiting)
        for message_id in waiting:
            deferred[message_id] = deferred_reason(details.get(message_id, ""))

    def forecast(self, *, member_id: int | None = None, campaign_id: int | None = None) -> Forecast:
        """What the play found (filtered to a member or campaign); the period played to its end."""
        session, settings, zones, found = self.session, self.settings, self.zones, self.found
        # cancelled when queued, never due: a reminder that went with its coupon or was named in another
        # (told apart here, not by a NOT IN of every message found: a year of 100,000 members finds more
        # than a statement may carry parameters)
        cancelled = session.exec(
            select(Message.id).where(
                col(Message.state) == MessageState.cancelled.value,
                col(Message.updated_at) >= self.start,
                col(Message.updated_at) < self.end,
            )
        ).all()
        merged = sorted(
            message_id for message_id in cancelled if message_id is not None and message_id not in found
        )
        for chunk in chunks(merged, 1000):
            for message in session.exec(select(Message).where(col(Message.id).in_(chunk))):
                fate = fate_of(str(message.state), message.error_message, deferred=False)
                found[message.id or 0] = _line(
                    session,
                    message,
                    message.updated_at,
                    fate,
                    message.error_message or "",
                    0,
                    zones,
                    settings,
                )
        for message_id, why in self.deferred.items():  # still waiting at the end of the period
            if message_id not in found and (waiting := session.get(Message, message_id)) is not None:
                found[message_id] = _line(
                    session, waiting, waiting.not_before, "deferred", why, 0, zones, settings
                )
        lines = sorted(found.values(), key=lambda m: (m.send_at, m.message_id))
        forecast = Forecast(start=self.start, days=self.days)
        forecast.messages = [
            m
            for m in lines
            if (member_id is None or m.member_id == member_id)
            and (campaign_id is None or m.campaign_id == campaign_id)
        ]
        forecast.totals = _totals(forecast.messages, settings)
        forecast.warnings = _warnings(forecast.messages)
        return forecast


def _line(
    session: Session,
    message: Message,
    at: datetime,
    fate: str,
    reason: str,
    segments: int,
    zones: dict[int, str],
    settings: Settings,
) -> ForecastMessage:
    member_id = message.member_id
    if member_id is not None and member_id not in zones:
        member = session.get(Member, member_id)
        zones[member_id] = member.timezone if member is not None else settings.timezone
    zone = zone_of(zones.get(member_id or 0, settings.timezone), settings.timezone)
    return ForecastMessage(
        message_id=message.id or 0,
        member_id=member_id,
        kind=message.purpose,
        category=str(message.category),
        campaign_id=message.campaign_id,
        occasion_id=message.occasion_id,
        channel=str(message.channel),
        send_at=at,
        local_send_at=at.astimezone(zone),
        fate=fate,
        reason=reason,
        segments=segments,
    )


def _totals(messages: list[ForecastMessage], settings: Settings) -> list[dict[str, Any]]:
    """Per shop-local day and channel: messages that go, their SMS segments and their cost."""
    zone = zone_of(settings.timezone)
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for m in messages:
        if m.fate not in ("send", "deferred"):
            continue
        entry = sums[(m.send_at.astimezone(zone).date().isoformat(), m.channel)]
        entry[0] += 1
        entry[1] += m.segments
    out = []
    for (day, channel), (count, segments) in sorted(sums.items()):
        price = (
            settings.sms_price_per_segment * segments if channel == "sms" else settings.email_price * count
        )
        out.append(
            {
                "day": day,
                "channel": channel,
                "messages": count,
                "segments": segments,
                "cost": str(Decimal(price).quantize(Decimal("0.01"))),
            }
        )
    return out


def _warnings(messages: list[ForecastMessage]) -> list[str]:
    out = []
    dropped = [m for m in messages if m.fate == "dropped"]
    if dropped:
        out.append(f"{len(dropped)} message(s) will be dropped / {len(dropped)} mesaj düşecek")
    personal_late = [m for m in messages if m.fate == "deferred" and m.category == Category.personal.value]
    if personal_late:
        n = len(personal_late)
        out.append(f"{n} personal message(s) will wait / {n} kişisel mesaj bekleyecek")
    return out
