"""Occasions: a member's own dates, always with the purpose behind them.

An occasion is stated by the member (through their link) or by staff on the member's word. A ``yearly``
occasion comes back every year (Feb 29 on Feb 28 in common years); a ``once`` occasion has exactly one
occurrence and is never due again after it.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from dateutil.rrule import YEARLY, rrule
from pydantic import field_validator
from sqlmodel import Field, Session, SQLModel, col, select

from loyalty.db import UTCDateTime, utcnow
from loyalty.errors import Invalid, NotFound
from loyalty.members import Member
from loyalty.pause import cancel_unsent

DateType = date  # for models that also have a field named ``date``


class OccasionKind(StrEnum):
    birthday = "birthday"
    wedding_anniversary = "wedding_anniversary"
    new_job = "new_job"
    graduation = "graduation"
    new_home = "new_home"
    new_baby = "new_baby"
    custom = "custom"


class Recurrence(StrEnum):
    yearly = "yearly"
    once = "once"


class OccasionStatus(StrEnum):
    active = "active"
    retired = "retired"


# Birthdays and anniversaries come back; a new job or a new home happened once. A custom occasion has no
# safe default (a one-off turned into a yearly "that day again" message is the trap), so it must be stated.
DEFAULT_RECURRENCE: dict[OccasionKind, Recurrence] = {
    OccasionKind.birthday: Recurrence.yearly,
    OccasionKind.wedding_anniversary: Recurrence.yearly,
    OccasionKind.new_job: Recurrence.once,
    OccasionKind.graduation: Recurrence.once,
    OccasionKind.new_home: Recurrence.once,
    OccasionKind.new_baby: Recurrence.once,
}

# for_whom: "self" or a relation; labels as a member would say them ("kızım Elif", "my daughter Elif")
RELATIONS: dict[str, tuple[str, str]] = {
    "self": ("kendim", "myself"),
    "daughter": ("kızım", "my daughter"),
    "son": ("oğlum", "my son"),
    "spouse": ("eşim", "my spouse"),
    "partner": ("sevgilim", "my partner"),
    "mother": ("annem", "my mother"),
    "father": ("babam", "my father"),
    "sister": ("kız kardeşim", "my sister"),
    "brother": ("erkek kardeşim", "my brother"),
    "grandmother": ("büyükannem", "my grandmother"),
    "grandfather": ("dedem", "my grandfather"),
    "grandchild": ("torunum", "my grandchild"),
    "friend": ("arkadaşım", "my friend"),
    "colleague": ("iş arkadaşım", "my colleague"),
    "other": ("yakınım", "someone close to me"),
}

KIND_NAMES: dict[str, tuple[str, str]] = {
    "birthday": ("doğum günü", "birthday"),
    "wedding_anniversary": ("evlilik yıldönümü", "wedding anniversary"),
    "new_job": ("yeni iş", "new job"),
    "graduation": ("mezuniyet", "graduation"),
    "new_home": ("yeni ev", "new home"),
    "new_baby": ("yeni bebek", "new baby"),
    "custom": ("özel gün", "special day"),
}

PURPOSE_MAX = 280
REMIND_MAX = 60


class OccasionBase(SQLModel):
    kind: str = Field(sa_type=sa.String(24))
    for_whom: str = Field(default="self", sa_type=sa.String(24))
    relation_name: str | None = Field(default=None, max_length=100)
    purpose: str = Field(max_length=PURPOSE_MAX)
    year: int | None = None
    month: int
    day: int
    recurrence: str = Field(sa_type=sa.String(8))
    remind_days_before: int = 3


class Occasion(OccasionBase, table=True):
    __tablename__ = "occasions"
    # (month, day) ranges for the upcoming window; the third column lets "celebrated on today + N and
    # reminded N days before" be point lookups for the daily reminders
    __table_args__ = (sa.Index("ix_occasions_month_day_remind", "month", "day", "remind_days_before"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", index=True)
    stated_by: str = Field(max_length=80)  # "member" or "user:<username>"
    status: str = Field(default=OccasionStatus.active, sa_type=sa.String(8))
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retired_by: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OccasionCreate(SQLModel):
    """Input: ``date`` as ``YYYY-MM-DD`` (or ``MM-DD`` / ``--MM-DD`` when the year is unknown), or the
    separate ``year`` (optional), ``month`` and ``day``."""

    kind: str
    purpose: str
    date: str | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    for_whom: str = "self"
    relation_name: str | None = None
    recurrence: str | None = None
    remind_days_before: int = 3

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value


class OccasionPublic(OccasionBase):
    id: int
    member_id: int
    date: str  # "1990-05-14", or "--05-14" when the year is unknown
    for_whom_label: str
    stated_by: str
    status: str
    retired_at: datetime | None
    created_at: datetime
    next_occurrence: DateType | None


class _Dated(Protocol):
    year: int | None
    month: int
    day: int
    recurrence: str


# ---------------------------------------------------------------- validation


_DATE_FULL = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_NO_YEAR = re.compile(r"^(?:--)?(\d{1,2})-(\d{1,2})$")


def _parse_date(data: OccasionCreate) -> tuple[int | None, int, int]:
    if data.date is not None:
        text = data.date.strip()
        if full := _DATE_FULL.match(text):
            year, month, day = (int(g) for g in full.groups())
        elif no_year := _DATE_NO_YEAR.match(text):
            year = None
            month, day = (int(g) for g in no_year.groups())
        else:
            raise Invalid(
                "date", "date must be YYYY-MM-DD, or MM-DD when the year is unknown / tarih YYYY-AA-GG olmalı"
            )
        field = "date"
    else:
        if data.month is None or data.day is None:
            raise Invalid("date", "date is required (or month and day) / tarih gerekli")
        year, month, day = data.year, data.month, data.day
        field = "day"
    if not 1 <= month <= 12:
        raise Invalid("date" if field == "date" else "month", f"month {month} is not 1-12 / geçersiz ay")
    if year is not None and not 1900 <= year <= 2200:
        raise Invalid("date" if field == "date" else "year", f"year {year} is out of range / geçersiz yıl")
    # a year-less date may be Feb 29 (celebrated Feb 28 in common years): check it against a leap year
    last = calendar.monthrange(year if year is not None else 2000, month)[1]
    if not 1 <= day <= last:
        raise Invalid(field, f"{month:02d}-{day:02d} is not a real date / geçersiz tarih")
    return year, month, day


def validate_occasion(data: OccasionCreate) -> dict[str, Any]:
    """The checked column values of a new occasion (Invalid naming the field otherwise)."""
    try:
        kind = OccasionKind(data.kind)
    except ValueError:
        raise Invalid(
            "kind", f"kind must be one of {', '.join(k.value for k in OccasionKind)} / geçersiz tür"
        ) from None
    purpose = " ".join((data.purpose or "").split())
    if not purpose:
        raise Invalid("purpose", "purpose is required: the occasion in the customer's words / amaç gerekli")
    if len(purpose) > PURPOSE_MAX:
        raise Invalid(
            "purpose", f"purpose must be at most {PURPOSE_MAX} characters / amaç en fazla 280 karakter"
        )
    for_whom = (data.for_whom or "self").strip().lower()
    if for_whom not in RELATIONS:
        raise Invalid("for_whom", f"for_whom must be one of {', '.join(RELATIONS)} / geçersiz kişi")
    relation_name = " ".join((data.relation_name or "").split()) or None
    if relation_name and len(relation_name) > 100:
        raise Invalid("relation_name", "relation_name must be at most 100 characters")
    if data.recurrence is None:
        if kind not in DEFAULT_RECURRENCE:
            raise Invalid("recurrence", "recurrence (yearly or once) is required for a custom occasion")
        recurrence = DEFAULT_RECURRENCE[kind]
    else:
        try:
            recurrence = Recurrence(data.recurrence)
        except ValueError:
            raise Invalid("recurrence", "recurrence must be yearly or once / yıllık ya da bir kez") from None
    if not 0 <= data.remind_days_before <= REMIND_MAX:
        raise Invalid("remind_days_before", f"remind_days_before must be 0-{REMIND_MAX}")
    year, month, day = _parse_date(data)
    if recurrence is Recurrence.once and year is None:
        raise Invalid("date", "a one-off (once) occasion needs a full date with its year / yıl gerekli")
    return {
        "kind": kind.value,
        "purpose": purpose,
        "for_whom": for_whom,
        "relation_name": relation_name,
        "recurrence": recurrence.value,
        "remind_days_before": data.remind_days_before,
        "year": year,
        "month": month,
        "day": day,
    }


# ---------------------------------------------------------------- services


def add_occasion(session: Session, member_id: int, data: OccasionCreate, *, stated_by: str) -> Occasion:
    """Record an occasion the member stated (``stated_by`` "member" or "user:<username>")."""
    if session.get(Member, member_id) is None:
        raise NotFound(f"member {member_id} not found")
    occasion = Occasion(member_id=member_id, stated_by=stated_by, **validate_occasion(data))
    session.add(occasion)
    session.flush()
    return occasion


def get_occasion(session: Session, occasion_id: int) -> Occasion:
    occasion = session.get(Occasion, occasion_id)
    if occasion is None:
        raise NotFound(f"occasion {occasion_id} not found")
    return occasion


def list_occasions(session: Session, member_id: int, *, include_retired: bool = False) -> list[Occasion]:
    if session.get(Member, member_id) is None:
        raise NotFound(f"member {member_id} not found")
    query = select(Occasion).where(Occasion.member_id == member_id)
    if not include_retired:
        query = query.where(Occasion.status == OccasionStatus.active)
    return list(session.exec(query.order_by(col(Occasion.month), col(Occasion.day), col(Occasion.id))))


def retire_occasion(
    session: Session, occasion_id: int, *, actor: str, now: datetime | None = None
) -> Occasion:
    """ "No longer celebrate this" (no reason asked). Cancels whatever was not yet sent for it.

    Retiring twice is harmless: the occasion keeps its first retirement time.
    """
    occasion = get_occasion(session, occasion_id)
    if occasion.status != OccasionStatus.retired:
        occasion.status = OccasionStatus.retired
        occasion.retired_at = now or utcnow()
        occasion.retired_by = actor
        session.add(occasion)
        session.flush()
    cancel_unsent(session, member_id=occasion.member_id, occasion_id=occasion.id, reason="occasion retired")
    return occasion


def for_whom_label(occasion: Occasion | OccasionBase, locale: str = "tr") -> str:
    """ "kızım Elif" / "my daughter Elif"; "kendim" / "myself" for the member."""
    tr_label, en_label = RELATIONS.get(occasion.for_whom, RELATIONS["other"])
    label = en_label if locale.startswith("en") else tr_label
    if occasion.for_whom != "self" and occasion.relation_name:
        label = f"{label} {occasion.relation_name}"
    return label


def date_text(occasion: _Dated) -> str:
    if occasion.year is None:
        return f"--{occasion.month:02d}-{occasion.day:02d}"
    return f"{occasion.year:04d}-{occasion.month:02d}-{occasion.day:02d}"


def member_today(member: Member, now: datetime | None = None) -> date:
    """The member's own local date at ``now``."""
    try:
        zone = ZoneInfo(member.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return (now or utcnow()).astimezone(zone).date()


def describe(session: Session, occasion: Occasion, *, now: datetime | None = None) -> OccasionPublic:
    """The public view, with the next occurrence taken from the member's own today."""
    member = session.get(Member, occasion.member_id)
    assert member is not None and occasion.id is not None
    active = occasion.status == OccasionStatus.active
    return OccasionPublic(
        **occasion.model_dump(),
        date=date_text(occasion),
        for_whom_label=for_whom_label(occasion, member.locale),
        next_occurrence=next_occurrence(occasion, member_today(member, now)) if active else None,
    )


# ---------------------------------------------------------------- next occurrence


@lru_cache(maxsize=512)
def _yearly_rule(month: int, day: int, start_year: int) -> rrule:
    start = datetime(start_year, 1, 1)
    if (month, day) == (2, 29):
        # rrule(bymonth=2, bymonthday=29) skips common years: take the last of Feb 28/29 that exists
        return rrule(YEARLY, dtstart=start, bymonth=2, bymonthday=(28, 29), bysetpos=-1)
    return rrule(YEARLY, dtstart=start, bymonth=month, bymonthday=day)


def celebrated_on(month: int, day: int, year: int) -> date:
    """The day a yearly (month, day) is celebrated in ``year``: Feb 29 falls on Feb 28 in common years."""
    if (month, day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def next_occurrence(occasion: _Dated, today: date) -> date | None:
    """The first occurrence on or after ``today`` (a local date), or None for a one-off that has passed."""
    if occasion.recurrence == Recurrence.once:
        if occasion.year is None:
            return None
        when = date(occasion.year, occasion.month, occasion.day)
        return when if when >= today else None
    # a known year is the first occurrence (a wedding next June is not "due" this June)
    start_year = today.year - 1 if occasion.year is None else max(occasion.year, today.year - 1)
    found = _yearly_rule(occasion.month, occasion.day, start_year).after(
        datetime(today.year, today.month, today.day), inc=True
    )
    return found.date() if found is not None else None


# ---------------------------------------------------------------- upcoming (computed in the database)


@dataclass(frozen=True)
class UpcomingOccasion:
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


def _zone_today(zone: str, now: datetime) -> date | None:
    try:
        return now.astimezone(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return None


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


Match = Callable[[date], tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]]


def _window_filter(
    match: Match, today_of_zone: dict[str, date]
) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[int]] | None:
    """The WHERE clause and the ordinal of the celebrated day, grouped by each distinct local today."""
    zones_by_today: dict[date, list[str]] = defaultdict(list)
    for zone, today in today_of_zone.items():
        zones_by_today[today].append(zone)
    if not zones_by_today:
        return None
    conditions: list[sa.ColumnElement[bool]] = []
    whens: list[tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]] = []
    for today, zones in sorted(zones_by_today.items()):
        condition, ordinal = match(today)
        in_zone = sa.and_(col(Member.timezone).in_(sorted(zones)), condition)
        conditions.append(in_zone)
        whens.append((in_zone, ordinal))
    return sa.or_(*conditions), sa.case(*whens, else_=0)


def _paused_now(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Member.paused).is_(True),
        sa.or_(col(Member.paused_until).is_(None), col(Member.paused_until) > now),
    )


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
    (``days=1, offset_days=3``: exactly three days from now). Two indexed queries however many members:
    the distinct time zones among candidates, then one query with a (month, day) range per distinct local
    today (at most three at any instant), split at the year end, with Feb 28 in common years also matching
    Feb 29 occasions. Sorted by the celebrated day.
    """
    if not 1 <= days <= 366:
        raise Invalid("days", "days must be 1-366")
    offset = offset_days or 0
    if not 0 <= offset <= 366:
        raise Invalid("offset_days", "offset_days must be 0-366")
    now = now or utcnow()
    if now.tzinfo is None:
        raise Invalid("now", "now must be an aware datetime")

    def match(today: date) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]:
        first = today + timedelta(days=offset)
        return _dates_filter(first, first + timedelta(days=days - 1))

    return _select(session, match, now=now, kinds=kinds, exclude_paused=exclude_paused, limit=limit)


def due_reminders(
    session: Session,
    *,
    now: datetime | None = None,
    kinds: Sequence[str] | None = None,
    exclude_paused: bool = True,
    once_on_the_day: bool = False,
) -> list[UpcomingOccasion]:
    """Occasions whose reminder is due today in the member's own time zone: celebrated exactly
    ``remind_days_before`` days from the member's today (``once_on_the_day``: one-offs on the day itself
    instead). Filtered in the database, unlike fetching ``upcoming_occasions(days=61)`` and filtering."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise Invalid("now", "now must be an aware datetime")
    remind, month, day_col = col(Occasion.remind_days_before), col(Occasion.month), col(Occasion.day)
    yearly = col(Occasion.recurrence) == Recurrence.yearly

    def match(today: date) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[int]]:
        # one point lookup on (month, day, remind_days_before) per possible reminder distance
        last = today + timedelta(days=REMIND_MAX)
        conditions: list[sa.ColumnElement[bool]] = []
        for segment in _segments(today, last):
            days_in = [
                (ahead, day)
                for ahead in range(REMIND_MAX + 1)
                if segment.start <= (day := today + timedelta(days=ahead)) <= segment.end
            ]
            exact = sa.or_(
                *(sa.and_(month == d.month, day_col == d.day, remind == ahead) for ahead, d in days_in)
            )
            condition = sa.and_(exact, _year_ok(segment.year))
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
        by_remind = {ahead: _ordinal(today + timedelta(days=ahead)) for ahead in range(REMIND_MAX + 1)}
        ordinal: sa.ColumnElement[int] = sa.case(by_remind, value=remind, else_=0)
        if once_on_the_day:
            on_the_day, _ = _dates_filter(today, today)
            conditions.append(sa.and_(sa.not_(yearly), on_the_day))
            ordinal = sa.case((yearly, ordinal), else_=_ordinal(today))
        return sa.or_(*conditions), ordinal

    return _select(session, match, now=now, kinds=kinds, exclude_paused=exclude_paused, limit=None)


def _ordinal(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _select(
    session: Session,
    match: Match,
    *,
    now: datetime,
    kinds: Sequence[str] | None,
    exclude_paused: bool,
    limit: int | None,
) -> list[UpcomingOccasion]:
    """Two indexed queries: the distinct zones among candidates, then ``match`` per distinct local today."""
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
        base = base.where(sa.not_(_paused_now(now)))

    # 1) distinct zones among candidates: any local today at this instant is UTC's date -1, 0 or +1
    utc_day = now.astimezone(UTC).date()
    wide = sa.or_(*(match(utc_day + timedelta(days=shift))[0] for shift in (-1, 0, 1)))
    zone_query = (
        select(Member.timezone)
        .join(Occasion, col(Member.id) == col(Occasion.member_id))
        .where(col(Occasion.status) == OccasionStatus.active, wide)
        .distinct()
    )
    if kinds:
        zone_query = zone_query.where(col(Occasion.kind).in_(list(kinds)))
    zones = session.exec(zone_query).all()
    today_of_zone = {zone: today for zone in zones if (today := _zone_today(zone, now)) is not None}

    # 2) the exact query, one window per distinct local today
    window = _window_filter(match, today_of_zone)
    if window is None:
        return []
    condition, ordinal = window
    query = base.add_columns(ordinal.label("celebrated")).where(condition).order_by(ordinal, col(Occasion.id))
    if limit is not None:
        query = query.limit(limit)

    out = []
    for row in session.execute(query):
        # the database already said which day it is celebrated on (yyyymmdd, Feb 28 for Feb 29 if common)
        when = date(row.celebrated // 10000, row.celebrated // 100 % 100, row.celebrated % 100)
        out.append(
            UpcomingOccasion(
                occasion_id=row.id,
                member_id=row.member_id,
                member_name=row.full_name,
                kind=row.kind,
                for_whom=row.for_whom,
                relation_name=row.relation_name,
                purpose=row.purpose,
                date=when,
                days_until=(when - today_of_zone[row.timezone]).days,
                remind_days_before=row.remind_days_before,
                recurrence=row.recurrence,
                timezone=row.timezone,
            )
        )
    return out
