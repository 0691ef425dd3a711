"""Occasion reminders: the producer of the messages members asked for, a set number of days before the
occasion (yearly or one-off), in the member's own local day."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from loyalty.core.zones import end_of_day, local_date, local_instant
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.members import Member
from loyalty.models.messages import Category
from loyalty.models.occasions import Occasion, Recurrence
from loyalty.occasions.greetings import merge_greetings
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
    them: ``remind_days_before`` ahead of the occasion, yearly or one-off (a reminder that comes on the
    day is too late to order the flowers it exists for)."""
    on = next_occurrence(occasion, today)
    if on is None:
        return None
    remind = timedelta(days=occasion.remind_days_before)
    if on - remind < today:  # this occurrence's reminder day has passed: the next occurrence's
        if occasion.recurrence != Recurrence.yearly:
            return None
        on = next_occurrence(occasion, on + timedelta(days=1))
        if on is None:  # pragma: no cover - a yearly occasion always comes back
            return None
    return on - remind, on


def occasion_values(occasion: Occasion, when: date, locale: str, days_before: int = 0) -> dict[str, Any]:
    """Template values naming whom the occasion is for, the purpose the member told us, and how many days
    before the occasion the message goes (0: on the day; never "happy birthday" before it);
    ``messaging.wording`` words them."""
    tr_name, en_name = KIND_NAMES.get(occasion.kind, KIND_NAMES["custom"])
    return {
        "occasion_on": when.isoformat(),
        "days_before": max(days_before, 0),
        "purpose": occasion.purpose or "",
        "days_until": max(days_before, 0),
        "on_the_day": days_before <= 0,
        "for_whom": occasion.for_whom,
        "relation_name": occasion.relation_name or "",
        "for_whom_label": for_whom_addressed(occasion, locale),  # the shop speaks to the member
        "kind": occasion.kind,
        "kind_name": en_name if locale.startswith("en") else tr_name,
    }


def queue_occasion_reminders(session: Session, now: datetime, zones: Collection[str] | None = None) -> int:
    """The reminders members asked for: ``remind_days_before`` days ahead of the occasion (yearly or
    one-off) in the member's own day. Beat calls it every hour, so a member's reminders are queued in the
    first hour of their local day wherever they live. Due at 10:00 member-local, stale after that day;
    paused members are skipped. Idempotent per occasion and date (``occasion:<id>:<date>``). One greeting
    per day: a reminder whose occasion's coupon goes that day, or a second occasion's, is merged
    (``greetings.merge_greetings``). ``zones``: only members in those zones (the forecast's run for the
    zones whose day begins; ``job_times.occasion_job_zones``)."""

    wanted = due_reminders(session, now=now, exclude_paused=True, zones=zones)
    if not wanted:
        return 0
    members = {
        m.id: m
        for m in session.exec(select(Member).where(Member.id.in_({u.member_id for u in wanted})))  # type: ignore[union-attr]
    }
    occasions = {
        o.id: o
        for o in session.exec(select(Occasion).where(col(Occasion.id).in_({u.occasion_id for u in wanted})))
    }
    new = []
    for u in wanted:
        member = members[u.member_id]
        occasion = occasions.get(u.occasion_id)
        if occasion is None:  # pragma: no cover - found by the query above, in this transaction
            continue
        today = local_date(now, u.timezone)
        send_at = local_instant(today, REMINDER_TIME, u.timezone)
        stale = end_of_day(u.date, u.timezone)  # a reminder not sent by the occasion's day is dropped
        new.append(
            MessageRow(
                member_id=u.member_id,
                requested_channel="preferred",
                dedupe_key=f"occasion:{u.occasion_id}:{u.date.isoformat()}",
                purpose=occasion_purpose(u.kind, u.for_whom),
                category=Category.personal,  # asked for by the member: before generic promotions
                locale=member.locale,
                context=occasion_values(
                    occasion, u.date, member.locale, (u.date - local_date(now, u.timezone)).days
                ),
                not_before=max(send_at, now),
                expires_at=stale,
                send_by=stale,  # tied to the occasion's day: dropped, never sent after it
                occasion_id=u.occasion_id,
            )
        )
    queued = len(queue(session, new, now=now))
    merge_greetings(session, [u.member_id for u in wanted], now)  # one greeting per occasion and day
    return queued
