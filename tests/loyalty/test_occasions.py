"""Occasions: validation, next occurrence, and the upcoming query computed in the database."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from loyalty.core.errors import Invalid, NotFound
from loyalty.members.pause import pause_promotions
from loyalty.models.occasions import Occasion
from loyalty.occasions.recurrence import next_occurrence
from loyalty.occasions.registry import add_occasion, list_occasions, occasion_public, retire_occasion
from loyalty.occasions.schemas import OccasionCreate
from loyalty.occasions.vocabulary import for_whom_label
from loyalty.occasions.windows import celebrated_between, due_reminders, upcoming_occasions
from tests.builders import make_member


def _add(session: Session, member_id: int, **fields: object) -> Occasion:
    data = {"kind": "birthday", "purpose": "doğum günü kutlaması", **fields}
    return add_occasion(session, member_id, OccasionCreate(**data), stated_by="member")  # type: ignore[arg-type]


def _ids(found: list) -> set[int]:  # type: ignore[type-arg]
    return {o.occasion_id for o in found}


# ---------------------------------------------------------------- validation


def test_birthday_is_yearly_and_new_job_once_by_default(session: Session) -> None:
    member = make_member(session)
    birthday = _add(session, member.id, date="1990-05-14", for_whom="daughter", relation_name="Elif")
    job = _add(session, member.id, kind="new_job", date="2026-12-01", purpose="yeni işe başlıyorum")
    assert birthday.recurrence == "yearly" and job.recurrence == "once"
    assert (birthday.year, birthday.month, birthday.day) == (1990, 5, 14)
    assert birthday.stated_by == "member" and birthday.remind_days_before == 3
    assert for_whom_label(birthday, "tr") == "kızım Elif"
    assert for_whom_label(birthday, "en") == "my daughter Elif"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"date": "2026-02-30"}, "date"),
        ({"date": "02-30"}, "date"),
        ({"date": "2026-13-01"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"date": None}, "date"),
        ({"date": "2026-05-01", "purpose": "   "}, "purpose"),
        ({"date": "2026-05-01", "purpose": "x" * 281}, "purpose"),
        ({"date": "2026-05-01", "kind": "divorce"}, "kind"),
        ({"date": "2026-05-01", "for_whom": "neighbour's cat"}, "for_whom"),
        ({"date": "2026-05-01", "recurrence": "monthly"}, "recurrence"),
        ({"date": "2026-05-01", "remind_days_before": 61}, "remind_days_before"),
        ({"date": "2026-05-01", "remind_days_before": -1}, "remind_days_before"),
        ({"date": "05-01", "kind": "new_home"}, "date"),  # a one-off needs its year
        ({"date": "05-01", "kind": "custom"}, "recurrence"),  # no safe default for custom
        ({"month": 2, "day": 30}, "day"),
        ({"month": 13, "day": 1}, "month"),
    ],
)
def test_invalid_occasions_name_the_field(session: Session, fields: dict[str, object], field: str) -> None:
    member = make_member(session)
    with pytest.raises(Invalid) as error:
        _add(session, member.id, **fields)
    assert error.value.field == field


def test_feb_29_is_valid_without_a_year_and_in_a_leap_year_only(session: Session) -> None:
    member = make_member(session)
    assert _add(session, member.id, date="--02-29").day == 29
    assert _add(session, member.id, date="2000-02-29").year == 2000
    with pytest.raises(Invalid):
        _add(session, member.id, date="2001-02-29")


def test_purpose_exactly_280_characters_is_kept(session: Session) -> None:
    member = make_member(session)
    assert len(_add(session, member.id, date="05-01", purpose="ç" * 280).purpose) == 280


def test_unknown_member(session: Session) -> None:
    with pytest.raises(NotFound):
        _add(session, 999_999, date="05-01")


# ---------------------------------------------------------------- next occurrence


def test_next_occurrence_yearly_rolls_over_the_year_end() -> None:
    occasion = Occasion(
        kind="birthday", purpose="p", month=1, day=3, recurrence="yearly", member_id=1, stated_by="m"
    )
    assert next_occurrence(occasion, date(2026, 12, 30)) == date(2027, 1, 3)
    assert next_occurrence(occasion, date(2027, 1, 3)) == date(2027, 1, 3)  # today counts


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 1, 10), date(2026, 2, 28)),  # common year: Feb 28
        (date(2026, 3, 1), date(2027, 2, 28)),
        (date(2027, 3, 1), date(2028, 2, 29)),  # leap year: Feb 29
        (date(2028, 2, 29), date(2028, 2, 29)),
        (date(2028, 3, 1), date(2029, 2, 28)),
    ],
)
def test_feb_29_falls_on_feb_28_in_common_years(today: date, expected: date) -> None:
    occasion = Occasion(
        kind="birthday", purpose="p", month=2, day=29, recurrence="yearly", member_id=1, stated_by="m"
    )
    assert next_occurrence(occasion, today) == expected


def test_once_has_exactly_one_occurrence() -> None:
    job = Occasion(
        kind="new_job", purpose="p", year=2026, month=12, day=1, recurrence="once", member_id=1, stated_by="m"
    )
    assert next_occurrence(job, date(2026, 11, 22)) == date(2026, 12, 1)
    assert next_occurrence(job, date(2026, 12, 1)) == date(2026, 12, 1)
    assert next_occurrence(job, date(2026, 12, 2)) is None
    assert next_occurrence(job, date(2027, 11, 30)) is None  # never "that day again"


def test_yearly_with_a_future_first_year_starts_then() -> None:
    wedding = Occasion(
        kind="wedding_anniversary",
        purpose="p",
        year=2027,
        month=6,
        day=1,
        recurrence="yearly",
        member_id=1,
        stated_by="m",
    )
    assert next_occurrence(wedding, date(2026, 1, 1)) == date(2027, 6, 1)


@settings(max_examples=300, deadline=None)
@given(
    today=st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
    month_day=st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 12, 31)),  # a leap year: Feb 29 too
    year=st.one_of(st.none(), st.integers(1900, 2150)),
    once=st.booleans(),
)
def test_next_occurrence_is_never_in_the_past(
    today: date, month_day: date, year: int | None, once: bool
) -> None:
    month, day = month_day.month, month_day.day
    if (
        year is not None
        and (month, day) == (2, 29)
        and not (year % 4 == 0 and (year % 100 or year % 400 == 0))
    ):
        year = None
    if once and year is None:
        year = 2000
    occasion = Occasion(
        kind="custom",
        purpose="p",
        year=year,
        month=month,
        day=day,
        recurrence="once" if once else "yearly",
        member_id=1,
        stated_by="m",
    )
    found = next_occurrence(occasion, today)
    if once:
        assert year is not None
        assert found == (date(year, month, day) if date(year, month, day) >= today else None)
        return
    assert found is not None and found >= today
    assert found - today < timedelta(
        days=366 + (366 * (year - today.year) if year and year > today.year else 0)
    )
    assert (found.month, found.day) == (month, day) or (
        (month, day) == (2, 29) and (found.month, found.day) == (2, 28)
    )
    if year is not None:
        assert found.year >= year


# ---------------------------------------------------------------- upcoming, in the database

NOON_UTC = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_upcoming_window_and_retired(session: Session) -> None:
    member = make_member(session)
    today = _add(session, member.id, date="11-22")
    in_a_week = _add(session, member.id, date="1985-11-29", purpose="eşimin doğum günü", for_whom="spouse")
    too_late = _add(session, member.id, date="11-30")
    gone = _add(session, member.id, date="11-23")
    retire_occasion(session, gone.id, actor="member", now=NOON_UTC)

    found = upcoming_occasions(session, days=8, now=NOON_UTC)
    assert _ids(found) >= {today.id, in_a_week.id}
    assert too_late.id not in _ids(found) and gone.id not in _ids(found)
    mine = {o.occasion_id: o for o in found}
    assert mine[today.id].days_until == 0 and mine[in_a_week.id].days_until == 7
    assert mine[in_a_week.id].date == date(2026, 11, 29)
    assert mine[in_a_week.id].purpose == "eşimin doğum günü" and mine[in_a_week.id].for_whom == "spouse"
    assert [o.date for o in found] == sorted(o.date for o in found)


def test_upcoming_offset_days_picks_exactly_that_day(session: Session) -> None:
    member = make_member(session)
    three = _add(session, member.id, date="11-25")
    two = _add(session, member.id, date="11-24")
    found = upcoming_occasions(session, days=1, offset_days=3, now=NOON_UTC)
    assert three.id in _ids(found) and two.id not in _ids(found)
    assert next(o for o in found if o.occasion_id == three.id).days_until == 3


def test_upcoming_wraps_the_year_end(session: Session) -> None:
    member = make_member(session)
    dec31 = _add(session, member.id, date="12-31")
    jan3 = _add(session, member.id, date="2020-01-03")
    jan5 = _add(session, member.id, date="01-05")
    now = datetime(2026, 12, 30, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul
    found = {o.occasion_id: o for o in upcoming_occasions(session, days=5, now=now)}
    assert dec31.id in found and jan3.id in found and jan5.id not in found
    assert found[jan3.id].date == date(2027, 1, 3) and found[jan3.id].days_until == 4
    assert [o for o in found] == [dec31.id, jan3.id]


def test_upcoming_feb_29_on_feb_28_of_a_common_year_only(session: Session) -> None:
    member = make_member(session)
    leap = _add(session, member.id, date="--02-29")
    once_leap = _add(
        session, member.id, kind="new_home", date="2028-02-29", purpose="yeni evimize taşınıyoruz"
    )
    common = datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    found = {o.occasion_id: o for o in upcoming_occasions(session, days=1, now=common)}
    assert found[leap.id].date == date(2027, 2, 28) and once_leap.id not in found
    # in a leap year Feb 28 is not Feb 29
    assert leap.id not in _ids(upcoming_occasions(session, days=1, now=datetime(2028, 2, 28, 9, tzinfo=UTC)))
    leap_day = {
        o.occasion_id: o
        for o in upcoming_occasions(session, days=1, now=datetime(2028, 2, 29, 9, tzinfo=UTC))
    }
    assert leap_day[leap.id].date == date(2028, 2, 29) and leap_day[once_leap.id].date == date(2028, 2, 29)


def test_once_is_due_only_in_its_year(session: Session) -> None:
    member = make_member(session)
    job = _add(session, member.id, kind="new_job", date="2026-11-25", purpose="yeni işim")
    assert job.id in _ids(upcoming_occasions(session, days=7, now=NOON_UTC))
    next_year = NOON_UTC.replace(year=2027)
    assert job.id not in _ids(upcoming_occasions(session, days=7, now=next_year))
    past = NOON_UTC.replace(year=2025)
    assert job.id not in _ids(upcoming_occasions(session, days=7, now=past))


def test_yearly_with_a_future_year_is_not_due_before_it(session: Session) -> None:
    member = make_member(session)
    wedding = _add(session, member.id, kind="wedding_anniversary", date="2027-11-24", purpose="düğünümüz")
    assert wedding.id not in _ids(upcoming_occasions(session, days=7, now=NOON_UTC))
    assert wedding.id in _ids(upcoming_occasions(session, days=7, now=NOON_UTC.replace(year=2027)))


def test_each_member_has_their_own_today_at_the_date_line(session: Session) -> None:
    """At 10:30 UTC on Nov 22 it is already Nov 23 in Kiritimati (UTC+14) and still Nov 21 in Pago Pago."""
    kiritimati = make_member(session, timezone="Pacific/Kiritimati")
    pago = make_member(session, timezone="Pacific/Pago_Pago")
    istanbul = make_member(session)
    now = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
    k21, k23 = _add(session, kiritimati.id, date="11-21"), _add(session, kiritimati.id, date="11-23")
    p21, p23 = _add(session, pago.id, date="11-21"), _add(session, pago.id, date="11-23")
    i21, i22, i23 = (_add(session, istanbul.id, date=f"11-{d}") for d in (21, 22, 23))

    found = {o.occasion_id: o for o in upcoming_occasions(session, days=1, now=now)}
    assert k23.id in found and p21.id in found and i22.id in found
    assert not {k21.id, p23.id, i21.id, i23.id} & set(found)
    assert {found[k23.id].days_until, found[p21.id].days_until, found[i22.id].days_until} == {0}
    assert found[k23.id].timezone == "Pacific/Kiritimati"


def test_upcoming_filters_kinds_and_paused(session: Session) -> None:
    member = make_member(session)
    other = make_member(session)
    birthday = _add(session, member.id, date="11-23")
    home = _add(session, member.id, kind="new_home", date="2026-11-23", purpose="yeni ev")
    paused_birthday = _add(session, other.id, date="11-23")
    pause_promotions(session, other.id, until=None, actor="member", now=NOON_UTC)
    only_birthdays = _ids(upcoming_occasions(session, days=3, now=NOON_UTC, kinds=["birthday"]))
    assert birthday.id in only_birthdays and home.id not in only_birthdays
    active = _ids(upcoming_occasions(session, days=3, now=NOON_UTC, exclude_paused=True))
    assert birthday.id in active and paused_birthday.id not in active
    assert paused_birthday.id in _ids(upcoming_occasions(session, days=3, now=NOON_UTC))


def test_upcoming_rejects_bad_days(session: Session) -> None:
    with pytest.raises(Invalid) as error:
        upcoming_occasions(session, days=0, now=NOON_UTC)
    assert error.value.field == "days"
    with pytest.raises(Invalid):
        upcoming_occasions(session, days=367, now=NOON_UTC)


def test_full_year_window_returns_each_occasion_once(session: Session) -> None:
    member = make_member(session)
    made = [
        _add(session, member.id, date=f"{m:02d}-{d:02d}") for m, d in ((1, 1), (2, 29), (11, 21), (11, 22))
    ]
    found = [o for o in upcoming_occasions(session, days=366, now=NOON_UTC) if o.member_id == member.id]
    assert sorted(o.occasion_id for o in found) == sorted(o.id for o in made)
    by_id = {o.occasion_id: o for o in found}
    assert by_id[made[3].id].days_until == 0 and by_id[made[2].id].date == date(2027, 11, 21)
    assert by_id[made[1].id].date == date(2027, 2, 28)


def test_list_and_describe(session: Session) -> None:
    member = make_member(session, locale="en")
    first = _add(session, member.id, date="12-01", for_whom="mother")
    second = _add(session, member.id, date="03-01")
    retire_occasion(session, second.id, actor="user:ayla", now=NOON_UTC)
    assert [o.id for o in list_occasions(session, member.id)] == [first.id]
    assert {o.id for o in list_occasions(session, member.id, include_retired=True)} == {first.id, second.id}
    view = occasion_public(session, first, now=NOON_UTC)
    assert (
        view.date == "--12-01"
        and view.next_occurrence == date(2026, 12, 1)
        and view.for_whom_label == "my mother"
    )
    retired = occasion_public(session, second, now=NOON_UTC)
    assert retired.status == "retired" and retired.next_occurrence is None
    assert second.retired_by == "user:ayla"
    again = retire_occasion(session, second.id, actor="member", now=NOON_UTC + timedelta(days=1))
    assert again.retired_at == NOON_UTC  # retiring twice keeps the first time


# ---------------------------------------------------------------- the database agrees with dateutil

ZONES = [
    "Europe/Istanbul",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
]
INSTANTS = [
    datetime(2026, 11, 22, 10, 30, tzinfo=UTC),
    datetime(2026, 12, 31, 11, 0, tzinfo=UTC),  # three local dates at once, two of them in different years
    datetime(2027, 2, 27, 23, 0, tzinfo=UTC),  # Feb 28 of a common year in the east
    datetime(2028, 2, 28, 12, 0, tzinfo=UTC),  # Feb 28 / Feb 29 of a leap year
    datetime(2028, 12, 30, 20, 0, tzinfo=UTC),
]


@pytest.mark.parametrize("now", INSTANTS, ids=lambda d: d.isoformat())
@pytest.mark.parametrize(("days", "offset"), [(1, 0), (1, 3), (45, 2), (366, 0)])
def test_upcoming_matches_next_occurrence_for_every_occasion(
    session: Session, now: datetime, days: int, offset: int
) -> None:
    """The SQL window per time zone gives exactly what next_occurrence (dateutil) says."""
    rng = random.Random(f"{now.isoformat()}-{days}-{offset}")
    members = [make_member(session, timezone=zone) for zone in ZONES]
    occasions: list[Occasion] = []
    special = [(2, 28), (2, 29), (3, 1), (12, 31), (1, 1)]
    for i in range(100):
        member = rng.choice(members)
        if i < 40:
            month, day = special[i % len(special)]
        else:
            picked = date(2000, 1, 1) + timedelta(days=rng.randrange(366))
            month, day = picked.month, picked.day
        once = rng.random() < 0.3
        leap = (month, day) == (2, 29)
        years = [2024, 2028] if leap else [2025, 2026, 2027, 2028, 2029]
        year = rng.choice(years) if once or rng.random() < 0.5 else None
        data = {"date": f"{year}-{month:02d}-{day:02d}" if year else f"{month:02d}-{day:02d}"}
        occasions.append(_add(session, member.id, recurrence="once" if once else "yearly", **data))
    retired = occasions[-1]
    retire_occasion(session, retired.id, actor="member", now=now)

    zone_of = {m.id: m.timezone for m in members}
    expected = {}
    for occasion in occasions[:-1]:
        today = now.astimezone(ZoneInfo(zone_of[occasion.member_id])).date()
        when = next_occurrence(occasion, today + timedelta(days=offset))
        if when is not None and (when - today).days < offset + days:
            expected[occasion.id] = (when, (when - today).days)

    found = {
        o.occasion_id: (o.date, o.days_until)
        for o in upcoming_occasions(session, days=days, offset_days=offset, now=now)
        if o.member_id in zone_of
    }
    assert found == expected


def test_celebrated_between_for_other_queries(session: Session) -> None:

    member = make_member(session)
    leap = _add(session, member.id, date="--02-29")
    feb28 = _add(session, member.id, date="02-28")
    march = _add(session, member.id, date="03-01")
    query = select(Occasion.id).where(Occasion.member_id == member.id)
    common = set(session.exec(query.where(celebrated_between(date(2027, 2, 28), date(2027, 2, 28)))))
    assert common == {leap.id, feb28.id}
    leap_year = set(session.exec(query.where(celebrated_between(date(2028, 2, 28), date(2028, 2, 28)))))
    assert leap_year == {feb28.id}
    wrap = query.where(celebrated_between(date(2027, 2, 27), date(2028, 3, 1))).order_by(col(Occasion.id))
    assert list(session.exec(wrap)) == [leap.id, feb28.id, march.id]


# ---------------------------------------------------------------- reminders due today


def test_due_reminders_remind_days_before_in_the_members_own_today(session: Session) -> None:
    member = make_member(session)
    kiritimati = make_member(session, timezone="Pacific/Kiritimati")
    paused = make_member(session)
    now = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)  # Nov 22 in Istanbul, Nov 23 in Kiritimati
    in_three = _add(session, member.id, date="11-25")
    on_the_day = _add(session, member.id, date="11-22", remind_days_before=0)
    in_two = _add(session, member.id, date="11-24")
    in_ten = _add(session, member.id, date="12-02", remind_days_before=10)
    job_today = _add(session, member.id, kind="new_job", date="2026-11-22", purpose="ilk iş günüm")
    job_in_three = _add(session, member.id, kind="new_job", date="2026-11-25", purpose="yeni işim")
    k_in_three = _add(session, kiritimati.id, date="11-26")
    k_wrong_day = _add(session, kiritimati.id, date="11-25")
    silent = _add(session, paused.id, date="11-25")
    pause_promotions(session, paused.id, until=None, actor="member", now=now)

    due = {o.occasion_id: o for o in due_reminders(session, now=now)}
    assert set(due) >= {in_three.id, on_the_day.id, in_ten.id, job_in_three.id, k_in_three.id}
    assert not {in_two.id, job_today.id, k_wrong_day.id, silent.id} & set(due)
    assert due[in_three.id].days_until == 3 and due[k_in_three.id].days_until == 3

    one_offs_on_the_day = _ids(due_reminders(session, now=now, once_on_the_day=True))
    assert job_today.id in one_offs_on_the_day and job_in_three.id not in one_offs_on_the_day
    assert in_three.id in one_offs_on_the_day
    assert silent.id in _ids(due_reminders(session, now=now, exclude_paused=False))


@pytest.mark.parametrize("now", INSTANTS, ids=lambda d: d.isoformat())
def test_due_reminders_agree_with_the_upcoming_window(session: Session, now: datetime) -> None:
    rng = random.Random(now.isoformat())
    members = [make_member(session, timezone=zone) for zone in ZONES]
    for i in range(120):
        remind = rng.choice([0, 1, 3, 3, 7, 60])
        ahead = remind + rng.choice([-1, 0, 1]) if i % 2 else rng.randrange(-3, 64)
        picked = now.date() + timedelta(days=ahead)
        month_day = f"{picked.month:02d}-{picked.day:02d}"
        if month_day == "02-28" and rng.random() < 0.5:
            month_day = "02-29"  # celebrated on Feb 28 in a common year, not before Feb 29 in a leap one
        _add(session, rng.choice(members).id, date=month_day, remind_days_before=remind)
    mine = {m.id for m in members}
    expected = {
        o.occasion_id
        for o in upcoming_occasions(session, days=61, now=now)
        if o.member_id in mine and o.days_until == o.remind_days_before
    }
    assert expected  # the data makes some due
    assert {o.occasion_id for o in due_reminders(session, now=now) if o.member_id in mine} == expected
    # asked per zone (the forecast's run for the zones whose day begins): the same rows, days and order
    every = [o for o in due_reminders(session, now=now) if o.member_id in mine]
    for zone in ZONES:
        alone = [o for o in due_reminders(session, now=now, zones={zone}) if o.member_id in mine]
        assert alone == [o for o in every if o.timezone == zone]
