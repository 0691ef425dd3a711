"""Schedule arithmetic: when a run is sent, for each member in their own zone.

A run is stored with its local ``send_date``/``send_time`` and ``issue_at``: the earliest UTC instant any
member can be due (the local send time in UTC+14). A yearly holiday campaign plans each year from that
year's own calendar (a Hijri bayram moves about 11 days a year)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session

from loyalty.core.errors import Invalid, NotFound
from loyalty.core.zones import zone_of
from loyalty.holidays.calendar import holiday_date
from loyalty.models.campaigns import Campaign, CampaignRun, TriggerType

EARLIEST_ZONE = timezone(timedelta(hours=14))  # Pacific/Kiritimati: the first place any local time arrives


_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


MAX_DAYS_BEFORE = 90


MAX_VALID_DAYS = 366
MAX_YEARS_AHEAD = 5  # a campaign's date or year at most this many years ahead


RUN_LEASE = timedelta(minutes=15)  # a run left 'running' this long (a crashed worker) is claimed again


def parse_send_time(value: str, field: str = "trigger.send_time") -> time:
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise Invalid(field, "send_time must be HH:MM (00:00-23:59) / gönderim saati SS:DD olmalı")
    return time(int(match.group(1)), int(match.group(2)))


class HasSendDate(Protocol):
    @property
    def send_date(self) -> date: ...
    @property
    def send_time(self) -> str: ...


def local_send_instant(send_date: date, send_time: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``send_date send_time`` on the wall clock of ``zone``.

    A wall time skipped by a DST jump (02:30 on a spring-forward night) is sent at the same distance past
    the jump (03:30), as zoneinfo's fold=0 resolves it; a repeated one (fall-back) at its first occurrence."""
    local = datetime.combine(send_date, parse_send_time(send_time), tzinfo=zone)
    return local.astimezone(UTC)


def member_send_instant(
    run: HasSendDate, member_timezone: str, default_timezone: str = "Europe/Istanbul"
) -> datetime:
    """UTC instant of the run's local send time in the member's zone (an unknown zone: the shop's)."""
    return local_send_instant(run.send_date, run.send_time, zone_of(member_timezone, default_timezone))


def issue_at_for(send_date: date, send_time: str) -> datetime:
    """The earliest instant any member can be due: the local send time in UTC+14."""
    return local_send_instant(send_date, send_time, EARLIEST_ZONE)  # type: ignore[arg-type]


def holiday_day(session: Session | None, campaign: Campaign, year: int) -> date | None:
    try:
        return holiday_date(campaign.holiday_key or "", year, campaign.country, session)
    except NotFound:
        return None


def new_run(campaign: Campaign, run_key: str, send_date: date) -> CampaignRun:
    return CampaignRun(
        campaign_id=campaign.id or 0,
        run_key=run_key,
        send_date=send_date,
        send_time=campaign.send_time,
        issue_at=issue_at_for(send_date, campaign.send_time),
    )


def planned_run(
    session: Session | None, campaign: Campaign, *, first: int | date, now: datetime, zone: ZoneInfo
) -> CampaignRun | None:
    """The first run of ``campaign`` from holiday year / occasion day ``first`` on whose send instant in
    ``zone`` is not before ``now`` (a one-year holiday or a date campaign: its only run, past or not)."""
    if campaign.trigger_type == TriggerType.date:
        return None if campaign.send_on is None else new_run(campaign, "once", campaign.send_on)
    if campaign.trigger_type == TriggerType.occasion:
        day = first if isinstance(first, date) else date(first, 1, 1)
        day = max(day, now.astimezone(zone).date())
        while local_send_instant(day, campaign.send_time, zone) < now:
            day += timedelta(days=1)
        return new_run(campaign, day.isoformat(), day)
    start = first.year if isinstance(first, date) else first
    years = [campaign.year] if campaign.year is not None else list(range(start, start + 4))
    for year in years:
        holiday = holiday_day(session, campaign, year)
        if holiday is None:
            continue
        send_date = holiday - timedelta(days=campaign.days_before)
        if campaign.year is None and local_send_instant(send_date, campaign.send_time, zone) < now:
            continue
        return new_run(campaign, str(year), send_date)
    return None


def next_first(campaign: Campaign, run: CampaignRun) -> int | date:
    if campaign.trigger_type == TriggerType.holiday:
        return int(run.run_key) + 1
    return run.send_date + timedelta(days=1)


def upcoming_runs(
    session: Session | None,
    campaign: Campaign,
    *,
    now: datetime,
    count: int = 2,
    timezone_name: str = "Europe/Istanbul",
) -> list[CampaignRun]:
    """The next ``count`` runs as planned (unsaved): for a yearly holiday this year's and next year's
    dates, each from that year's own calendar (a Hijri bayram moves about 11 days a year)."""
    zone = zone_of(timezone_name)
    out: list[CampaignRun] = []
    first: int | date = now.astimezone(zone).date()
    if campaign.trigger_type == TriggerType.holiday:
        first = now.astimezone(zone).year
    for _ in range(count):
        run = planned_run(session, campaign, first=first, now=now, zone=zone)
        if run is None or any(r.run_key == run.run_key for r in out):
            break
        out.append(run)
        first = next_first(campaign, run)
    return out
