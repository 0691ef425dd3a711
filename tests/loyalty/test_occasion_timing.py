"""Issue 19 point 2: occasion reminders in every member's own day, at the promised local hour."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from loyalty.core.zones import local_instant
from loyalty.messaging.templates import render_message
from loyalty.models.members import Member
from loyalty.models.messages import Message
from loyalty.models.occasions import Occasion
from loyalty.occasions.reminders import REMINDER_TIME, queue_occasion_reminders
from tests.builders import make_member
from workers.app import BEAT_SCHEDULE, app

ZONES = ("Europe/Istanbul", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo")


def _occasion(session: Session, member: Member, on: date, **fields: Any) -> Occasion:
    occasion = Occasion(
        member_id=member.id or 0,
        kind=fields.pop("kind", "new_job"),
        for_whom="self",
        purpose="çiçek",
        year=on.year if fields.get("recurrence", "once") == "once" else None,
        month=on.month,
        day=on.day,
        recurrence=fields.pop("recurrence", "once"),
        stated_by="member",
        **fields,
    )
    session.add(occasion)
    session.flush()
    return occasion


def _beat_ticks(first: datetime, last: datetime) -> list[datetime]:
    """The instants beat's crontab starts the occasions job between ``first`` and ``last`` (its own zone)."""
    entry = BEAT_SCHEDULE["occasions-daily"]["schedule"]
    zone = ZoneInfo(str(app.conf.timezone))
    ticks, at = [], first.replace(second=0, microsecond=0)
    while at <= last:
        local = at.astimezone(zone)
        if local.minute in entry.minute and local.hour in entry.hour:
            ticks.append(at)
        at += timedelta(minutes=1)
    return ticks


def _play(session: Session, first: datetime, last: datetime) -> None:
    for tick in _beat_ticks(first, last):
        queue_occasion_reminders(session, tick)


def test_a_one_off_on_the_day_reaches_every_zone_at_10_local_on_that_day(session: Session) -> None:
    """Berlin and New York are still on the previous day when the Istanbul night begins: main's one run at
    00:30 Istanbul queued their reminder after 10:00 of the day, to be cancelled as late."""
    on = date(2027, 2, 1)
    members = {zone: make_member(session, timezone=zone) for zone in ZONES}
    occasions = {zone: _occasion(session, m, on, remind_days_before=0) for zone, m in members.items()}
    _play(session, datetime(2027, 1, 30, 0, 0, tzinfo=UTC), datetime(2027, 2, 2, 12, 0, tzinfo=UTC))
    for zone, occasion in occasions.items():
        rows = session.exec(select(Message).where(Message.occasion_id == occasion.id)).all()
        assert len(rows) == 1, zone
        assert rows[0].not_before == local_instant(on, REMINDER_TIME, zone), zone  # 10:00 on the day, local
        assert rows[0].context["on_the_day"] is True


def test_a_one_off_honours_remind_days_before(session: Session) -> None:
    member = make_member(session, timezone="Europe/Berlin")
    occasion = _occasion(session, member, date(2027, 2, 10), remind_days_before=3)
    _play(session, datetime(2027, 2, 5, 0, 0, tzinfo=UTC), datetime(2027, 2, 11, 0, 0, tzinfo=UTC))
    rows = session.exec(select(Message).where(Message.occasion_id == occasion.id)).all()
    assert len(rows) == 1
    assert rows[0].not_before == datetime(2027, 2, 7, 9, 0, tzinfo=UTC)  # 7 Feb 10:00 in Berlin
    assert rows[0].context["days_until"] == 3 and rows[0].context["on_the_day"] is False
    assert rows[0].send_by == datetime(2027, 2, 10, 23, 0, tzinfo=UTC)  # never after the occasion's day


def test_a_yearly_reminder_goes_on_the_promised_local_day_west_of_the_shop(session: Session) -> None:
    member = make_member(session, timezone="Europe/London")
    occasion = _occasion(session, member, date(2027, 3, 15), recurrence="yearly", kind="birthday")
    _play(session, datetime(2027, 3, 10, 0, 0, tzinfo=UTC), datetime(2027, 3, 13, 0, 0, tzinfo=UTC))
    rows = session.exec(select(Message).where(Message.occasion_id == occasion.id)).all()
    assert [row.not_before for row in rows] == [datetime(2027, 3, 12, 10, 0, tzinfo=UTC)]  # 12 Mar 10:00 GMT


def test_a_birthday_reminder_before_the_day_does_not_say_happy_birthday(session: Session) -> None:
    """Issue 19 point 3: the content gets the plain fact (``on_the_day``); the words are the templates'."""
    member = make_member(session, full_name="Can Ak")
    occasion = _occasion(session, member, date(2027, 3, 1), recurrence="yearly", kind="birthday")
    _play(session, datetime(2027, 2, 25, 0, 0, tzinfo=UTC), datetime(2027, 2, 27, 0, 0, tzinfo=UTC))
    [reminder] = session.exec(select(Message).where(Message.occasion_id == occasion.id)).all()
    base = {"first_name": "Can", "shop_name": "Çiçekçi", "member_page_url": "http://x/m", "opt_out": "RET"}
    text = render_message(reminder.purpose, "tr", "sms", {**reminder.context, **base}).text
    assert "İyi ki doğdunuz" not in text and "doğum gününüz yaklaşıyor" in text
    on_the_day = render_message(
        reminder.purpose, "tr", "sms", {**reminder.context, **base, "on_the_day": True, "days_before": 0}
    )
    assert "iyi ki doğdunuz" in on_the_day.text  # "Doğum gününüz kutlu olsun, iyi ki doğdunuz!"
