"""The beat's occasion-job times that can queue something, so a simulation steps only through those.

The occasions job runs every hour at minute 30 (``workers.app``); a member's reminder is queued by the first
run in their local day (``queue_occasion_reminders``, idempotent per occasion and date), or, for a paused
member, by the first run after the pause ends. Every other run finds the same reminders already queued.
So over a period the runs that matter are: in each zone of a member with a live occasion, the first run at or
after each local midnight, and the first run after each pause ending in the period. The forecast and the
year test step through these; the six-day test steps through every hour and finds the same.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from loyalty.core.zones import start_of_day, zone_of
from loyalty.models.members import Member
from loyalty.models.occasions import Occasion, OccasionStatus

JOB_MINUTE = 30  # workers.app's beat: the occasions job every hour at minute 30


def next_job_run(at: datetime) -> datetime:
    """The beat's first occasions run strictly after ``at``."""
    tick = at.replace(minute=JOB_MINUTE, second=0, microsecond=0)
    return tick if tick > at else tick + timedelta(hours=1)


def _celebrated(day: date, remind: int, occasions: set[tuple[int, int, int]]) -> bool:
    """An occasion reminded ``remind`` days ahead may fall on ``day`` (Feb 29 on Feb 28 or Mar 1 too)."""
    if (day.month, day.day, remind) in occasions:
        return True
    near_leap = (day.month, day.day) in ((2, 28), (3, 1))
    return near_leap and (2, 29, remind) in occasions


def job_run_at_or_after(at: datetime) -> datetime:
    return next_job_run(at - timedelta(microseconds=1))


def occasion_job_times(session: Session, start: datetime, end: datetime, *, shop_zone: str) -> list[datetime]:
    """The occasions job's runs in ``[start, end)`` that can queue a reminder, in order: a superset (the
    year of a one-off and Feb 29's common-year rule are left to the job itself)."""
    return sorted(occasion_job_zones(session, start, end, shop_zone=shop_zone))


def occasion_job_zones(
    session: Session, start: datetime, end: datetime, *, shop_zone: str
) -> dict[datetime, frozenset[str] | None]:
    """``occasion_job_times`` with, for each run, the member zones whose local day begins with it (None:
    every zone, at the period's first run and after a pause ends). The run finds nothing new elsewhere:
    those zones' reminders of the day were queued by their own first run."""
    wanted: dict[str, set[tuple[int, int, int]]] = defaultdict(set)
    rows = session.execute(
        sa.select(
            col(Member.timezone),
            col(Occasion.month),
            col(Occasion.day),
            col(Occasion.remind_days_before),
        )
        .join(Occasion, col(Occasion.member_id) == col(Member.id))
        .where(col(Occasion.status) == OccasionStatus.active)
        .distinct()
    )
    for name, month, day_of_month, remind in rows:
        wanted[name].add((month, day_of_month, remind or 0))
    times: dict[datetime, frozenset[str] | None] = {}
    for name, occasions in wanted.items():
        zone = zone_of(name, shop_zone)
        reminds = {remind for _, _, remind in occasions}
        day = start.astimezone(zone).date() - timedelta(days=1)
        while (midnight := start_of_day(day, zone)) < end:
            if any(_celebrated(day + timedelta(days=r), r, occasions) for r in reminds):
                run = job_run_at_or_after(midnight)
                if run not in times or times[run] is not None:
                    times[run] = (times.get(run) or frozenset()) | {name}
            day += timedelta(days=1)
    pauses = session.execute(
        sa.select(col(Member.paused_until))
        .join(Occasion, col(Occasion.member_id) == col(Member.id))
        .where(
            col(Occasion.status) == OccasionStatus.active,
            col(Member.paused).is_(True),
            col(Member.paused_until) >= start,
            col(Member.paused_until) < end,
        )
        .distinct()
    ).scalars()
    for until in pauses:
        until = until if until.tzinfo is not None else until.replace(tzinfo=start.tzinfo)
        times[job_run_at_or_after(until)] = None  # paused while paused_until > now: free from that instant
    times[job_run_at_or_after(start)] = None  # the first run of the period sees the day already begun
    return {t: zones for t, zones in sorted(times.items()) if start <= t < end}
