"""One campaign's effect, before it is scheduled (issue 19 point 10): the forecast played twice, without it
and with it, and compared message by message.

Without it: a draft is left as it is (a draft sends nothing); a campaign already live is cancelled first.
With it: a draft is scheduled first (as the schedule button would, from the forecast's start). Both plays run
in savepoints of the caller's transaction that are rolled back: nothing is written, nothing is sent.

The answer, per shop-local week (Monday first): this campaign's messages, SMS segments, e-mails and cost,
and the other messages it defers, drops or cancels (a member's personal reminder waiting behind its coupon,
another campaign's coupon pushed past the frequency cap). ``affected`` lists those messages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from loyalty.campaigns.lifecycle import cancel_campaign, get_campaign, schedule_campaign
from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.delivery.forecast import Forecast, ForecastMessage, Player, as_aware, play, rehearsal
from loyalty.models.campaigns import CampaignRun, CampaignStatus, RunStatus

GOES = ("send", "deferred")
CAP = "frequency cap"


@dataclass
class Week:
    week: date  # its Monday, in the shop's zone
    messages: int = 0  # this campaign's messages that go (SMS and e-mail)
    sms: int = 0
    sms_segments: int = 0
    emails: int = 0
    cost: Decimal = Decimal("0.00")
    others_deferred: int = 0  # other messages this campaign makes wait
    others_dropped: int = 0  # ... that it pushes out of their time
    others_cancelled: int = 0  # ... that it cancels (a reminder merged into its greeting)


@dataclass
class Affected:
    message: ForecastMessage  # with the campaign: its fate, reason and time
    before: ForecastMessage | None  # without it (None: the message would not exist)


@dataclass
class CampaignEffect:
    campaign_id: int
    status: str
    start: datetime
    days: int
    weeks: list[Week] = field(default_factory=list)
    total: Week | None = None
    deferred_by_cap: int = 0  # this campaign's members whose message the cap makes wait (or drops)
    dropped_by_cap: int = 0  # ... of them, those whose message it drops
    affected: list[Affected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for row in [*out["weeks"], out["total"]]:
            row["cost"] = str(row["cost"])
        return out


def _identity(m: ForecastMessage) -> tuple[Any, ...]:
    """What names one message in both plays (row ids differ between them)."""
    return (m.member_id, m.kind, m.campaign_id, m.occasion_id, m.channel)


def _keyed(messages: list[ForecastMessage]) -> dict[tuple[Any, ...], ForecastMessage]:
    seen: Counter[tuple[Any, ...]] = Counter()
    out = {}
    for m in sorted(messages, key=lambda m: m.message_id):  # created in the same order in both plays
        key = _identity(m)
        out[(*key, seen[key])] = m
        seen[key] += 1
    return out


def _caused(with_it: ForecastMessage, without: ForecastMessage | None) -> str:
    """``deferred`` / ``dropped`` / ``cancelled`` when the campaign made this other message so, else ''."""
    if with_it.fate == "send":
        return ""
    if without is None:  # it exists only with the campaign (it is not another's)
        return ""
    if with_it.fate == without.fate and (with_it.fate != "deferred" or with_it.send_at <= without.send_at):
        return ""
    return with_it.fate


def _monday(at: datetime, settings: Settings) -> date:
    day = at.astimezone(zone_of(settings.timezone)).date()
    return day - timedelta(days=day.weekday())


def _cost(week: Week, settings: Settings) -> Decimal:
    price = settings.sms_price_per_segment * week.sms_segments + settings.email_price * week.emails
    return Decimal(price).quantize(Decimal("0.01"))


def _played(session: Session, settings: Settings, start: datetime, days: int) -> Forecast:
    return play(session, settings, start=start, days=days)


def _first_run(session: Session, settings: Settings, campaign_id: int, start: datetime) -> datetime | None:
    """When the draft, scheduled from ``start``, would first run (nothing kept)."""
    savepoint = session.begin_nested()
    try:
        schedule_campaign(session, campaign_id, settings=settings, now=start)
        first = session.execute(
            sa.select(sa.func.min(col(CampaignRun.issue_at))).where(
                col(CampaignRun.campaign_id) == campaign_id,
                col(CampaignRun.status) == RunStatus.scheduled.value,
            )
        ).scalar_one_or_none()
    finally:
        savepoint.rollback()
    return None if first is None else as_aware(first)


def campaign_effect(
    session: Session, settings: Settings, campaign_id: int, *, start: datetime, days: int
) -> CampaignEffect:
    """Play ``days`` days from ``start`` without and with the campaign; nothing is kept.

    A draft changes nothing before its first run: the days until then are played once, and the two plays
    go on from there (each in its own savepoint)."""
    campaign = get_campaign(session, campaign_id)
    status = str(campaign.status)
    if status == CampaignStatus.draft:
        first = _first_run(session, settings, campaign_id, start)
        if first is not None and first > start:
            return _from_first_run(session, settings, campaign_id, status, start, days, first)
    live = status in (CampaignStatus.scheduled, CampaignStatus.running)
    savepoint = session.begin_nested()
    try:
        if live:
            cancel_campaign(session, campaign_id, actor="forecast", now=start)
        without = _played(session, settings, start, days)
    finally:
        savepoint.rollback()
    savepoint = session.begin_nested()
    try:
        if status == CampaignStatus.draft:
            schedule_campaign(session, campaign_id, settings=settings, now=start)
        with_it = _played(session, settings, start, days)
    finally:
        savepoint.rollback()
    return compare(campaign_id, status, with_it, without, settings)


def _from_first_run(
    session: Session,
    settings: Settings,
    campaign_id: int,
    status: str,
    start: datetime,
    days: int,
    first: datetime,
) -> CampaignEffect:
    """The draft's effect with the days before its first run played once, then without and with it."""
    shared = session.begin_nested()
    try:
        with rehearsal(session):
            before = Player(session, settings, start=start, days=days)
            before.advance(until=first)
            without = _go_on(session, before)
            with_it = _go_on(
                session,
                before,
                first=lambda: schedule_campaign(session, campaign_id, settings=settings, now=start),
            )
    finally:
        shared.rollback()
    return compare(campaign_id, status, with_it, without, settings)


def _go_on(session: Session, before: Player, *, first: Callable[[], object] | None = None) -> Forecast:
    """A copy of ``before`` played to its end in a savepoint (after ``first``), rolled back."""
    savepoint = session.begin_nested()
    try:
        if first is not None:
            first()
        player = before.copy()
        player.advance()
        return player.forecast()
    finally:
        savepoint.rollback()


def compare(
    campaign_id: int, status: str, with_it: Forecast, without: Forecast, settings: Settings
) -> CampaignEffect:
    before = _keyed([m for m in without.messages if m.campaign_id != campaign_id])
    weeks: dict[date, Week] = defaultdict(lambda: Week(week=date.min))
    effect = CampaignEffect(campaign_id=campaign_id, status=status, start=with_it.start, days=with_it.days)
    deferred: set[int | None] = set()
    dropped: set[int | None] = set()
    for key, m in _keyed(with_it.messages).items():
        week = weeks[_monday(m.send_at, settings)]
        if m.campaign_id == campaign_id:
            if m.fate in GOES:
                week.messages += 1
                week.sms += m.channel == "sms"
                week.emails += m.channel == "email"
                week.sms_segments += m.segments
            if CAP in m.reason and m.fate == "deferred":
                deferred.add(m.member_id)
            if CAP in m.reason and m.fate == "dropped":
                dropped.add(m.member_id)
            continue
        caused = _caused(m, before.get(key))
        if not caused:
            continue
        setattr(week, f"others_{caused}", getattr(week, f"others_{caused}") + 1)
        effect.affected.append(Affected(message=m, before=before.get(key)))
    total = Week(week=min(weeks) if weeks else _monday(with_it.start, settings))
    for monday, week in sorted(weeks.items()):
        week.week, week.cost = monday, _cost(week, settings)
        for name in ("messages", "sms", "sms_segments", "emails", "others_deferred", "others_dropped"):
            setattr(total, name, getattr(total, name) + getattr(week, name))
        total.others_cancelled += week.others_cancelled
        if week.messages or week.others_deferred or week.others_dropped or week.others_cancelled:
            effect.weeks.append(week)
    total.cost = _cost(total, settings)
    effect.total = total
    effect.deferred_by_cap, effect.dropped_by_cap = len(deferred | dropped), len(dropped)
    effect.warnings = with_it.warnings
    return effect
