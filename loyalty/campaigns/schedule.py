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
from loyalty.models.campaigns import Campaign, CampaignRun

EARLIEST_ZONE = timezone(timedelta(hours=14))  # Pacific/Kiritimati: the first place any local time arrives


_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


MAX_DAYS_BEFORE = 90


MAX_VALID_DAYS = 366
MAX_YEARS_AHEAD = 5  # a campaign's date or year at most this many years ahead


RUN_LEASE = timedelta(minutes=15)  # a run left 'running' this long (a crashed worker) is claimed again


def parse_send_time(value: str, field: str = "trigger.send_time") -> time:
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise Invalid(field, "campaigns.send_time_hh_mm_00")
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
