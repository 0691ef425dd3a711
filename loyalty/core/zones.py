"""Time zones: the one place that turns a zone name into a ``ZoneInfo`` and a UTC instant into a local day.

Members and stores carry IANA zone names; a name that is unknown on this machine falls back to the
shop's zone rather than failing a whole campaign or reminder run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Istanbul"


def zone_of(name: str | None, fallback: str = DEFAULT_ZONE) -> ZoneInfo:
    """``ZoneInfo(name)``, else ``ZoneInfo(fallback)``, else the default zone."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo(DEFAULT_ZONE)


def is_known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_date(moment: datetime, zone: str | ZoneInfo, fallback: str = DEFAULT_ZONE) -> date:
    """The local calendar day of an aware instant in ``zone``."""
    tz = zone if isinstance(zone, ZoneInfo) else zone_of(zone, fallback)
    return moment.astimezone(tz).date()


def local_instant(day: date, at: time, zone: str | ZoneInfo, fallback: str = DEFAULT_ZONE) -> datetime:
    """``day at`` on the wall clock of ``zone``, as UTC (a DST gap resolves as zoneinfo's fold=0)."""
    tz = zone if isinstance(zone, ZoneInfo) else zone_of(zone, fallback)
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def start_of_day(day: date, zone: str | ZoneInfo, fallback: str = DEFAULT_ZONE) -> datetime:
    """Local midnight at the start of ``day``, as UTC."""
    return local_instant(day, time(0, 0), zone, fallback)


def end_of_day(day: date, zone: str | ZoneInfo, fallback: str = DEFAULT_ZONE) -> datetime:
    """The first instant after ``day`` ends locally (the next local midnight), as UTC: "good through ``day``"
    means ``< end_of_day(day)``."""
    return local_instant(day + timedelta(days=1), time(0, 0), zone, fallback)
