"""Upcoming occasions, computed in the database: celebrated within a window of each member's own local days,
with (month, day) ranges on an index, split at the year end, Feb 29 on Feb 28 in common years."""

from __future__ import annotations

import calendar
import functools
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from loyalty.core import dialect
from loyalty.core.clock import utcnow
from loyalty.core.db import is_postgres
from loyalty.core.errors import Invalid
from loyalty.core.zones import local_date
from loyalty.messaging.reach import paused_now
from loyalty.models.members import Member
from loyalty.models.occasions import Occasion, OccasionStatus, Recurrence
from loyalty.occasions.vocabulary import REMIND_MAX


@dataclass
class UpcomingOccasion:
    """One occasion in a window. Not frozen: a frozen dataclass sets each field through
    ``object.__setattr__``, ~5x the time to make one, and a week at 1M members is ~15,000 of them."""

    occasion_id: int
    member_id: int
    member_name: str
    kind: str
    for_whom: str
    relation_name: str | None
    purpose: str
    date: date  # the local date it is celebrated on (Feb 28 for a Feb 29 occasion in a common year)
    days_until: int
    remind_days_before: int
    recurrence: str
    timezone: str


@dataclass(frozen=True)
class _Segment:
    """A run of local dates inside one calendar year: (month, day) from ``start`` to ``end``."""

    year: int
    start: date
    end: date


def _segments(first: date, last: date) -> list[_Segment]:
    out = []
    cursor = first
    while cursor <= last:
        end = min(last, date(cursor.year, 12, 31))
        out.append(_Segment(cursor.year, cursor, end))
        cursor = end + timedelta(days=1)
    return out


def _year_ok(segment_year: int) -> sa.ColumnElement[bool]:
    """Which occasions occur in ``segment_year``: yearly ones from their first year on, one-offs only then."""
    return sa.or_(
        sa.and_(
            col(Occasion.recurrence) == Recurrence.yearly,
            sa.or_(col(Occasion.year).is_(None), col(Occasion.year) <= segment_year),
        ),
        sa.and_(col(Occasion.recurrence) == Recurrence.once, col(Occasion.year) == segment_year),
    )


def _month_day_range(start: date, end: date) -> sa.ColumnElement[bool]:
    """(month, day) from ``start`` to ``end`` (same year) as per-month ranges on the (month, day) index.

    Plain column comparisons rather than a row-value comparison: PostgreSQL estimates them from the
    column statistics (a row comparison gets a default guess that is 10x off and turns the join to
    members into a full scan).
    """
    month, day = col(Occasion.month), col(Occasion.day)
    if start.month == end.month:
        return sa.and_(month == start.month, day.between(start.day, end.day))
    parts: list[sa.ColumnElement[bool]] = []
    first_full = start.month if start.day == 1 else start.month + 1
    # "full" as in a leap year: Feb 1-28 of a common year must not take in the Feb 29 rows by range
    last_full = end.month if end.day == calendar.monthrange(2000, end.month)[1] else end.month - 1
    if first_full != start.month:
        parts.append(sa.and_(month == start.month, day >= start.day))
    if first_full <= last_full:
        parts.append(month == first_full if first_full == last_full else month.between(first_full, last_full))
    if last_full != end.month:
        parts.append(sa.and_(month == end.month, day <= end.day))
    return sa.or_(*parts)


def _segment_match(segment: _Segment) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]:
    """(condition, ordinal yyyymmdd of the celebrated day) for occasions falling in ``segment``."""
    in_range = _month_day_range(segment.start, segment.end)
    ordinal = segment.year * 10000 + col(Occasion.month) * 100 + col(Occasion.day)
    condition = sa.and_(in_range, _year_ok(segment.year))
    feb28 = date(segment.year, 2, 28)
    if not calendar.isleap(segment.year) and segment.start <= feb28 <= segment.end:
        # Feb 29 occasions are celebrated on Feb 28 in a common year (a one-off Feb 29 had a leap year)
        leap_day = sa.and_(
            col(Occasion.month) == 2,
            col(Occasion.day) == 29,
            col(Occasion.recurrence) == Recurrence.yearly,
            sa.or_(col(Occasion.year).is_(None), col(Occasion.year) <= segment.year),
        )
        ordinal = sa.case((leap_day, segment.year * 10000 + 228), else_=ordinal)
        condition = sa.or_(condition, leap_day)
    return condition, ordinal


def _dates_filter(first: date, last: date) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]:
    """Occasions celebrated on a local date in ``[first, last]``, and the yyyymmdd of that day."""
    conditions: list[sa.ColumnElement[bool]] = []
    whens: list[tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]] = []
    for segment in _segments(first, last):
        condition, ordinal = _segment_match(segment)
        conditions.append(condition)
        whens.append((condition, ordinal))
    return sa.or_(*conditions), sa.case(*whens, else_=0)


def celebrated_between(first: date, last: date) -> sa.ColumnElement[bool]:
    """SQL condition on ``occasions``: active or not, celebrated on a local date in ``[first, last]``
    (Feb 29 on Feb 28 in common years, one-offs only in their year, yearly ones from their first year).

    For other modules' queries (an occasion campaign's audience); AND it with the status you need."""
    return _dates_filter(first, last)[0]


# the condition for members whose local today is the date, and the yyyymmdd of the day celebrated (None:
# the caller's ``celebrated`` computes it from the row)
Match = Callable[[date], tuple[sa.ColumnElement[bool], sa.ColumnElement[int] | None]]


def _in_zones(zones: list[str], postgres: bool) -> sa.ColumnElement[bool]:
    """``members.timezone`` among ``zones``; on PostgreSQL one array parameter rather than hundreds."""
    return dialect.among(col(Member.timezone), zones, postgres=postgres)


def _window_filter(
    match: Match, today_of_zone: dict[str, date], *, postgres: bool = False
) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[int] | None] | None:
    """The WHERE clause and the ordinal of the celebrated day (None when ``match`` gives none), grouped by
    each distinct local today."""
    zones_by_today: dict[date, list[str]] = defaultdict(list)
    for zone, today in today_of_zone.items():
        zones_by_today[today].append(zone)
    if not zones_by_today:
        return None
    conditions: list[sa.ColumnElement[bool]] = []
    whens: list[tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]] = []
    for today, zones in sorted(zones_by_today.items()):
        condition, ordinal = match(today)
        in_zone = sa.and_(_in_zones(sorted(zones), postgres), condition)
        conditions.append(in_zone)
        if ordinal is not None:
            whens.append((in_zone, ordinal))
    return sa.or_(*conditions), (sa.case(*whens, else_=0) if whens else None)


def upcoming_occasions(
    session: Session,
    *,
    days: int,
    now: datetime | None = None,
    kinds: Sequence[str] | None = None,
    offset_days: int | None = None,
    exclude_paused: bool = False,
    limit: int | None = None,
) -> list[UpcomingOccasion]:
    """Active occasions celebrated within ``days`` local days of each member's own today.

    The window is ``[today + offset_days, today + offset_days + days - 1]`` in each member's time zone
    (``days=1, offset_days=3``: exactly three days from now). One indexed query however many members: a
    single (month, day) range covering every local today (UTC's date -1 to +1) on the index, and on the
    joined row the window of the member's own today (zones grouped by their today, at most three at any
    instant), split at the year end, with Feb 28 in common years also matching Feb 29 occasions. Sorted
    by the celebrated day.
    """
    if not 1 <= days <= 366:
        raise Invalid("days", "occasions.days_1_366")
    offset = offset_days or 0
    if not 0 <= offset <= 366:
        raise Invalid("offset_days", "occasions.offset_days_0_366")
    now = now or utcnow()
    if now.tzinfo is None:
        raise Invalid("now", "occasions.now_aware_datetime")

    def match(today: date) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]:
        first = today + timedelta(days=offset)
        return _dates_filter(first, first + timedelta(days=days - 1))

    # every local today at this instant is UTC's date -1, 0 or +1: one range covers all their windows
    utc_day = now.astimezone(UTC).date()
    first_wide = utc_day - timedelta(days=1) + timedelta(days=offset)
    wide = celebrated_between(first_wide, utc_day + timedelta(days=1 + offset + days - 1))
    return _select(session, match, wide, now=now, kinds=kinds, exclude_paused=exclude_paused, limit=limit)


def due_reminders(
    session: Session,
    *,
    now: datetime | None = None,
    kinds: Sequence[str] | None = None,
    exclude_paused: bool = True,
    once_on_the_day: bool = False,
    zones: Collection[str] | None = None,
) -> list[UpcomingOccasion]:
    """Occasions whose reminder is due today in the member's own time zone: celebrated exactly
    ``remind_days_before`` days from the member's today (``once_on_the_day``: one-offs on the day itself
    instead). Filtered in the database, unlike fetching ``upcoming_occasions(days=61)`` and filtering.
    ``zones``: only members in those zones (the forecast asks for the zones whose day begins).

    One (month, day, remind_days_before) row-value IN list per year the window touches: the same point
    lookups on the index as an OR of equalities, but one expanding parameter, so the statement is built and
    compiled once (SQLAlchemy's cache) instead of from ~1,000 expression nodes per run. The celebrated day
    is the zone's today plus ``remind_days_before``, so it is computed here rather than in SQL."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise Invalid("now", "occasions.now_aware_datetime")
    remind, month, day_col = col(Occasion.remind_days_before), col(Occasion.month), col(Occasion.day)
    yearly = col(Occasion.recurrence) == Recurrence.yearly
    point = sa.tuple_(month, day_col, remind)

    def match(today: date) -> tuple[sa.ColumnElement[bool], None]:
        # one point lookup on (month, day, remind_days_before) per possible reminder distance
        last = today + timedelta(days=REMIND_MAX)
        conditions: list[sa.ColumnElement[bool]] = []
        for segment in _segments(today, last):
            points = [
                (day.month, day.day, ahead)
                for ahead in range(REMIND_MAX + 1)
                if segment.start <= (day := today + timedelta(days=ahead)) <= segment.end
            ]
            condition = sa.and_(point.in_(points), _year_ok(segment.year))
            if once_on_the_day:
                condition = sa.and_(condition, yearly)
            feb28 = date(segment.year, 2, 28)
            if not calendar.isleap(segment.year) and segment.start <= feb28 <= segment.end:
                leap_day = sa.and_(
                    month == 2,
                    day_col == 29,
                    remind == (feb28 - today).days,
                    yearly,
                    sa.or_(col(Occasion.year).is_(None), col(Occasion.year) <= segment.year),
                )
                condition = sa.or_(condition, leap_day)
            conditions.append(condition)
        if once_on_the_day:
            on_the_day, _ = _dates_filter(today, today)
            conditions.append(sa.and_(sa.not_(yearly), on_the_day))
        return sa.or_(*conditions), None

    def celebrated(row: Any, today: date) -> date:
        if once_on_the_day and row.recurrence != Recurrence.yearly:
            return today  # a one-off on its day
        return today + timedelta(days=row.remind_days_before)  # Feb 29 in a common year: Feb 28 (above)

    if zones is None:
        utc_day = now.astimezone(UTC).date()
        wide: sa.ColumnElement[bool] | None = sa.or_(
            *(match(utc_day + timedelta(days=shift))[0] for shift in (-1, 0, 1))
        )
    else:
        wide = None  # few zones, one or two local todays: their own windows are the lookups
    return _select(
        session,
        match,
        wide,
        now=now,
        kinds=kinds,
        exclude_paused=exclude_paused,
        limit=None,
        zones=zones,
        celebrated=celebrated,
    )


def _ordinal(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


@functools.cache
def _known_zones() -> tuple[tuple[str, zoneinfo.ZoneInfo], ...]:
    """Every zone this machine knows (what member validation accepts), loaded once."""
    return tuple((name, zoneinfo.ZoneInfo(name)) for name in sorted(zoneinfo.available_timezones() | {"UTC"}))


def _todays(now: datetime, zones: Collection[str] | None = None) -> dict[str, date]:
    """Each known zone's local today at ``now`` (or only of ``zones``): no query needed to learn which zones
    members use."""
    return {name: local_date(now, zone) for name, zone in _known_zones() if zones is None or name in zones}


def _select(
    session: Session,
    match: Match,
    wide: sa.ColumnElement[bool] | None,
    *,
    now: datetime,
    kinds: Sequence[str] | None,
    exclude_paused: bool,
    limit: int | None,
    zones: Collection[str] | None = None,
    celebrated: Callable[[Any, date], date] | None = None,
) -> list[UpcomingOccasion]:
    """One indexed query: ``wide`` on the (month, day) index, then ``match`` per distinct local today
    (only of ``zones`` when given). ``celebrated``: the day from the row and its zone's today, for a
    ``match`` that gives no ordinal (then sorted here, as the database would: by that day, then id)."""
    base = (
        sa.select(
            col(Occasion.id),
            col(Occasion.member_id),
            col(Member.full_name),
            col(Occasion.kind),
            col(Occasion.for_whom),
            col(Occasion.relation_name),
            col(Occasion.purpose),
            col(Occasion.remind_days_before),
            col(Occasion.recurrence),
            col(Member.timezone),
        )
        .join(Member, col(Member.id) == col(Occasion.member_id))
        .where(col(Occasion.status) == OccasionStatus.active)
    )
    if kinds:
        base = base.where(col(Occasion.kind).in_(list(kinds)))
    if exclude_paused:
        base = base.where(sa.not_(paused_now(now)))

    # one statement: ``wide`` is a single (month, day) index range covering every local today's window;
    # the exact window of each member's own today is checked on the joined row
    today_of_zone = _todays(now, zones)
    window = _window_filter(match, today_of_zone, postgres=is_postgres(session))
    if window is None:
        return []
    condition, ordinal = window
    query = base.where(condition) if wide is None else base.where(wide, condition)
    if ordinal is not None:
        query = query.add_columns(ordinal.label("celebrated")).order_by(ordinal, col(Occasion.id))
    if limit is not None:
        query = query.limit(limit)

    out = []
    days: dict[int, date] = {}  # yyyymmdd -> date: a window holds a handful of distinct days
    for row in session.execute(query):
        occasion_id, member_id, name, kind, for_whom, relation, purpose, remind, recurrence, zone, *day = row
        today = today_of_zone[zone]
        if celebrated is not None:
            when = celebrated(row, today)
        elif day[0] in days:  # the database said which day it is celebrated on (yyyymmdd, Feb 28 for Feb 29)
            when = days[day[0]]
        else:
            when = days[day[0]] = date(day[0] // 10000, day[0] // 100 % 100, day[0] % 100)
        out.append(
            UpcomingOccasion(
                occasion_id=occasion_id,
                member_id=member_id,
                member_name=name,
                kind=kind,
                for_whom=for_whom,
                relation_name=relation,
                purpose=purpose,
                date=when,
                days_until=(when - today).days,
                remind_days_before=remind,
                recurrence=recurrence,
                timezone=zone,
            )
        )
    if ordinal is None:
        out.sort(key=lambda u: (u.date, u.occasion_id))
    return out
