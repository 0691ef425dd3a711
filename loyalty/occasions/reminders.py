"""Occasion reminders: the producer of the messages members asked for, a set number of days before a
yearly occasion, or on the day of a one-off one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from loyalty.core.zones import end_of_day, local_date, local_instant
from loyalty.messaging.outbox import NewMessage, queue_messages
from loyalty.models.members import Member
from loyalty.models.messages import Category
from loyalty.models.occasions import Occasion, Recurrence
from loyalty.occasions.recurrence import next_occurrence
from loyalty.occasions.vocabulary import KIND_NAMES, for_whom_addressed
from loyalty.occasions.windows import due_reminders

REMINDER_TIME = time(10, 0)  # member-local: reminders go out in the morning
ONCE_KINDS = {"new_job", "graduation", "new_home", "new_baby"}


def occasion_purpose(kind: str, for_whom: str) -> str:
    """The template for an occasion: birthday_self / birthday_relative / once_congrats / occasion_reminder."""
    if kind == "birthday":
        return "birthday_self" if for_whom == "self" else "birthday_relative"
    if kind in ONCE_KINDS:
        return "once_congrats"
    return "occasion_reminder"


def next_reminder(occasion: Occasion, today: date) -> tuple[date, date] | None:
    """(the local day the next reminder goes, the occasion's day it is about), as ``due_reminders`` sends
    them: ``remind_days_before`` ahead of a yearly occasion, on the day itself for a one-off one."""
    on = next_occurrence(occasion, today)
    if on is None:
        return None
    if occasion.recurrence != Recurrence.yearly:
        return on, on
    remind = timedelta(days=occasion.remind_days_before)
    if on - remind < today:  # this year's reminder day has passed: the next occurrence's
        on = next_occurrence(occasion, on + timedelta(days=1))
        if on is None:  # pragma: no cover - a yearly occasion always comes back
            return None
    return on - remind, on


def occasion_values(occasion: Occasion, when: date, locale: str) -> dict[str, Any]:
    """Template values naming whom the occasion is for and the purpose the member told us."""
    tr_name, en_name = KIND_NAMES.get(occasion.kind, KIND_NAMES["custom"])
    return {
        "occasion_on": when.isoformat(),
        "purpose": occasion.purpose,
        "for_whom": occasion.for_whom,
        "for_whom_label": for_whom_addressed(occasion, locale),  # the shop speaks to the member
        "kind": occasion.kind,
        "kind_name": en_name if locale.startswith("en") else tr_name,
    }


def queue_occasion_reminders(session: Session, now: datetime) -> int:
    """The daily reminders members asked for: ``remind_days_before`` days ahead of a yearly occasion, on
    the day itself for a one-off one (a new job). Due at 10:00 member-local, stale after the day; paused
    members are skipped. Idempotent per occasion and date (``occasion:<id>:<date>``)."""

    wanted = due_reminders(session, now=now, exclude_paused=True, once_on_the_day=True)
    if not wanted:
        return 0
    members = {
        m.id: m
        for m in session.exec(select(Member).where(Member.id.in_({u.member_id for u in wanted})))  # type: ignore[union-attr]
    }
    new = []
    for u in wanted:
        member = members[u.member_id]
        occasion = session.get(Occasion, u.occasion_id)
        if occasion is None:  # pragma: no cover - found by the query above, in this transaction
            continue
        send_at = local_instant(local_date(now, u.timezone), REMINDER_TIME, u.timezone)
        stale = end_of_day(u.date, u.timezone)  # a reminder not sent by the end of the day is dropped
        new.append(
            NewMessage(
                member_id=u.member_id,
                requested_channel="preferred",
                dedupe_key=f"occasion:{u.occasion_id}:{u.date.isoformat()}",
                purpose=occasion_purpose(u.kind, u.for_whom),
                category=Category.personal,  # asked for by the member: before generic promotions
                locale=member.locale,
                context=occasion_values(occasion, u.date, member.locale),
                not_before=max(send_at, now),
                expires_at=stale,
                send_by=stale,  # tied to the occasion's day: dropped, never sent after it
                occasion_id=u.occasion_id,
            )
        )
    return len(queue_messages(session, new, now=now))
