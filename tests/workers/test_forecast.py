"""Issue 19 point 10: the forecast (loyalty/delivery/forecast.py) equals what the real worker path then does
over the same simulated days, and leaves nothing behind."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from loyalty.campaigns.lifecycle import create_campaign, schedule_campaign
from loyalty.campaigns.running import run_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.core import clock
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.delivery.forecast import play
from loyalty.delivery.overlap_forecast import overlaps_forecast
from loyalty.messaging.fates import fate_of, last_deferrals
from loyalty.models.campaigns import CampaignRun, RunStatus
from loyalty.models.members import Member
from loyalty.models.messages import Message, MessageState
from loyalty.models.occasions import Occasion
from loyalty.occasions.job_times import occasion_job_times
from loyalty.occasions.reminders import queue_occasion_reminders
from tests.builders import make_member, make_purchase
from workers.channels.outbox import OutboxChannel
from workers.delivery import deliver, dispatch_due

START = datetime(2027, 2, 1, 21, 30, tzinfo=UTC)  # 00:30 on 2 Feb in Istanbul
DAYS = 6
ZONES = ("Europe/Istanbul", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo")


def _campaign(name: str, trigger: dict[str, Any], channel: str = "preferred") -> CampaignCreate:
    return CampaignCreate.model_validate(
        {
            "name": name,
            "trigger": trigger,
            "offer": {"kind": "percent", "value": "10", "valid_days": 3},
            "channel": channel,
        }
    )


def _world(engine: Engine, settings: Settings) -> None:
    with unit_of_work(engine) as session:
        for n, zone in enumerate(ZONES):
            member = make_member(
                session,
                timezone=zone,
                email=f"m{n}@example.com",
                email_opt_in=True,
                locale="en" if n else "tr",
            )
            make_purchase(
                session, member, occurred_at=START - timedelta(days=10 if n != 2 else 190)
            )  # Berlin lapsed
            day = (START + timedelta(days=1 + n % 3)).date()
            session.add(
                Occasion(
                    member_id=member.id or 0,
                    kind="birthday" if n % 2 == 0 else "new_job",
                    for_whom="self",
                    purpose="çiçek",
                    year=None if n % 2 == 0 else day.year,
                    month=day.month,
                    day=day.day,
                    recurrence="yearly" if n % 2 == 0 else "once",
                    remind_days_before=n % 2,
                    stated_by="member",
                )
            )
        for name, day in (("Kış", "2027-02-03"), ("Hafta sonu", "2027-02-04"), ("Şubat", "2027-02-05")):
            create_campaign(
                session,
                _campaign(name, {"type": "date", "send_at": f"{day}T10:00"}, channel="both"),
                actor="user:mk",
                now=START,
                settings=settings,
            )
        birthday = {"type": "occasion", "kinds": ["birthday"], "days_before": 0, "send_time": "11:00"}
        create_campaign(
            session, _campaign("Doğum günü", birthday), actor="user:mk", now=START, settings=settings
        )
        session.commit()


def _order(row: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if value is None else str(value) for value in row)


def _next(session: Session, at: datetime, end: datetime, jobs: list[datetime] | None) -> datetime:
    """The worker's next minute with something due (beat's :30 job every hour, or only at ``jobs``, a run,
    a waiting message)."""
    if jobs is None:
        tick = at.replace(minute=30, second=0, microsecond=0)
        tick = tick if tick > at else tick + timedelta(hours=1)
    else:
        tick = next((t for t in jobs if t > at), end)
    runs = session.execute(
        sa.select(sa.func.min(col(CampaignRun.issue_at))).where(
            col(CampaignRun.status) == RunStatus.scheduled.value, col(CampaignRun.issue_at) > at
        )
    ).scalar_one_or_none()
    waiting = session.execute(
        sa.select(sa.func.min(col(Message.not_before))).where(
            col(Message.state) == MessageState.queued.value, col(Message.not_before) > at
        )
    ).scalar_one_or_none()
    return min(t for t in (tick, end, runs, waiting) if t is not None)


def _worker_days(
    engine: Engine, settings: Settings, start: datetime, end: datetime, *, every_hour: bool = True
) -> None:
    """The real worker path: beat's occasions job, the dispatcher, the runs and the sends (outbox channel).
    ``every_hour``: the occasions job at every :30 as beat runs it; else only at the runs that can queue
    something (``occasion_job_times``, which the six-day test checks against every hour)."""
    jobs: list[datetime] | None = None
    if not every_hour:
        with unit_of_work(engine) as session:
            jobs = occasion_job_times(session, start, end, shop_zone=settings.timezone)
    at = start
    with clock.simulate(start, everywhere=True) as sim:
        while at < end:
            sim.set(at)
            if (jobs is None and at.minute == 30 and at.second == 0) or (jobs is not None and at in jobs):
                with unit_of_work(engine) as session:
                    queue_occasion_reminders(session, at)
                    session.commit()
            while runs := dispatch_due(engine, settings, at).runs:
                for run_id in runs:
                    with unit_of_work(engine) as session:
                        run_campaign(session, run_id, at, settings)
                        session.commit()
            with unit_of_work(engine) as session:
                due = session.exec(
                    select(Message.id)
                    .where(Message.state == MessageState.queued, Message.not_before <= at)
                    .order_by(col(Message.not_before), col(Message.id))
                ).all()
            for message_id in due:
                deliver(
                    message_id or 0,
                    engine=engine,
                    settings=settings,
                    channel_for=lambda n: OutboxChannel(settings, n),
                    now=at,
                )
            with unit_of_work(engine) as session:
                at = _next(session, at, end, jobs)


def test_the_forecast_equals_what_the_worker_then_does(committing_engine: Engine, settings: Settings) -> None:
    engine = committing_engine
    _world(engine, settings)
    end = START + timedelta(days=DAYS)
    with Session(engine) as session:
        forecast = play(session, settings, start=START, days=DAYS)
        session.rollback()
    with unit_of_work(engine) as session:  # nothing written
        assert session.exec(select(Message)).all() == []
    predicted = sorted(
        (
            (m.member_id, m.kind, m.campaign_id, m.occasion_id, m.channel, m.send_at, m.fate, m.reason)
            for m in forecast.messages
        ),
        key=_order,
    )
    kinds = {m.kind for m in forecast.messages}
    assert {"holiday_coupon", "birthday_self", "once_congrats"} <= kinds, kinds
    assert {m.fate for m in forecast.messages} >= {"send"}
    assert forecast.totals and all(t["messages"] > 0 for t in forecast.totals)

    _worker_days(engine, settings, START, end)
    assert sorted(_what_the_worker_did(engine), key=_order) == predicted


Done = tuple[Any, ...]  # (member_id, kind, campaign_id, occasion_id, channel, at, fate, reason)


def _what_the_worker_did(engine: Engine, end: datetime | None = None) -> list[Done]:
    """Every member's message after the worker's days, as the forecast words it (but those queued for after
    ``end`` and never deferred: beyond the period, as in the forecast)."""
    with unit_of_work(engine) as session:
        rows = session.exec(select(Message).where(col(Message.member_id).is_not(None))).all()
        deferrals = last_deferrals(session, [m.id or 0 for m in rows])
    done = []
    for m in rows:
        if m.state == MessageState.queued:
            if end is not None and m.not_before >= end and (m.id or 0) not in deferrals:
                continue
            fate, at, why = "deferred", m.not_before, deferrals.get(m.id or 0, "").split(" until ")[0]
        elif m.state in (MessageState.sent, MessageState.delivered):
            why = deferrals.get(m.id or 0, "").split(" until ")[0]
            fate, at = ("deferred" if why else "send"), m.sent_at
        else:
            fate, at, why = fate_of(str(m.state), m.error_message, False), m.updated_at, m.error_message or ""
        done.append((m.member_id, m.purpose, m.campaign_id, m.occasion_id, str(m.channel), at, fate, why))
    return done


def test_overlaps_predict_the_deferrals_the_worker_then_makes(
    committing_engine: Engine, settings: Settings
) -> None:
    """A promotion on 2 Feb for one member, two on 3 Feb for all and a third drafted between them: /overlaps
    (played by the forecast) says the draft's cap drops that member's coupon, and that it pushes the last
    campaign out for the others; a member's own reminder that day is not touched. Scheduled, the worker
    does exactly that."""
    engine = committing_engine
    with unit_of_work(engine) as session:
        members = [
            make_member(session, full_name=f"Üye {n}", locale="en" if n == 0 else "tr") for n in range(4)
        ]
        session.add(
            Occasion(
                member_id=members[1].id or 0,
                kind="birthday",
                for_whom="self",
                purpose="gül",
                month=2,
                day=3,
                recurrence="yearly",
                remind_days_before=0,
                stated_by="member",
            )
        )
        made = {}
        for name, day, audience in (
            ("Dün", "2027-02-02T10:00", {"locales": ["en"]}),
            ("Sabah", "2027-02-03T10:00", {}),
            ("Öğle", "2027-02-03T11:00", {}),
            ("Akşam", "2027-02-03T12:00", {}),
        ):
            body = _campaign(name, {"type": "date", "send_at": day}, channel="sms").model_dump()
            payload = CampaignCreate.model_validate({**body, "draft": name == "Öğle", "audience": audience})
            made[name] = create_campaign(session, payload, actor="user:mk", now=START, settings=settings).id
        session.commit()
    draft_id = made["Öğle"] or 0
    with Session(engine) as session:
        report = overlaps_forecast(session, draft_id, settings=settings, now=START)
        without = play(session, settings, start=START, days=report.forecast_days)
        session.rollback()
    assert (report.deferred_by_cap, report.others_deferred + report.others_dropped) == (1, 3), report
    assert report.forecast_days > settings.frequency_cap_days

    with unit_of_work(engine) as session:
        schedule_campaign(session, draft_id, settings=settings, now=START)
        session.commit()
    _worker_days(engine, settings, START, START + timedelta(days=report.forecast_days), every_hour=False)
    done = _what_the_worker_did(engine)
    capped = {d[0] for d in done if d[2] == draft_id and "frequency cap" in d[7]}
    assert report.deferred_by_cap == len(capped)
    late_before = {
        (m.member_id, m.campaign_id) for m in without.messages if m.fate in ("deferred", "dropped")
    }
    late_now = {(d[0], d[2]) for d in done if d[2] != draft_id and d[6] in ("deferred", "dropped")}
    assert report.others_deferred + report.others_dropped == len(late_now - late_before), (
        late_now,
        late_before,
    )


YEAR = 365


def _the_rest_of_the_year(engine: Engine, settings: Settings) -> None:
    """On top of ``_world``: a wedding anniversary in each zone spread over the year (reminded 3 days
    ahead), a Tokyo member paused until June, and campaigns in spring, summer and autumn."""
    with unit_of_work(engine) as session:
        members = session.exec(select(Member).order_by(col(Member.id))).all()
        for n, member in enumerate(members):
            session.add(
                Occasion(
                    member_id=member.id or 0,
                    kind="wedding_anniversary",
                    for_whom="self",
                    purpose="güller",
                    month=3 + 2 * n,
                    day=10 + n,
                    recurrence="yearly",
                    remind_days_before=3,
                    stated_by="member",
                )
            )
            if member.timezone == "Asia/Tokyo":
                member.paused, member.paused_until = True, datetime(2027, 6, 1, 3, 0, tzinfo=UTC)
                session.add(member)
        for name, day, channel in (
            ("Bahar", "2027-04-20T10:00", "preferred"),
            ("Yaz", "2027-07-15T21:30", "sms"),  # in the quiet hours: goes the next morning
            ("Yaz sonu", "2027-07-17T10:00", "both"),  # the cap: a third in a week for some
            ("Ekim", "2027-10-29T10:00", "email"),
        ):
            create_campaign(
                session,
                _campaign(name, {"type": "date", "send_at": day}, channel=channel),
                actor="user:mk",
                now=START,
                settings=settings,
            )
        session.commit()


def test_a_year_in_five_zones_equals_its_forecast(committing_engine: Engine, settings: Settings) -> None:
    """Members in Istanbul, London, Berlin, New York and Tokyo played for a year through the real worker
    path (beat's occasion job at its runs that matter, the dispatcher, runs, sends) equal the forecast made
    at its start: every message, its time, fate and reason."""
    engine = committing_engine
    _world(engine, settings)
    _the_rest_of_the_year(engine, settings)
    began = time.perf_counter()
    with Session(engine) as session:
        forecast = play(session, settings, start=START, days=YEAR)
        session.rollback()
    played = time.perf_counter() - began
    predicted = sorted(
        (
            (m.member_id, m.kind, m.campaign_id, m.occasion_id, m.channel, m.send_at, m.fate, m.reason)
            for m in forecast.messages
        ),
        key=_order,
    )
    zones = {m.local_send_at.tzinfo.key for m in forecast.messages if m.local_send_at.tzinfo}  # type: ignore[union-attr]
    assert set(ZONES) <= zones, zones
    assert {"send", "deferred", "dropped"} <= {m.fate for m in forecast.messages}
    months = {m.send_at.month for m in forecast.messages}
    assert {2, 3, 4, 5, 7, 9} <= months, months
    assert 10 not in months  # lapse ageing: by October every member's last purchase is over 180 days old

    _worker_days(engine, settings, START, START + timedelta(days=YEAR), every_hour=False)
    worked = time.perf_counter() - began - played
    assert sorted(_what_the_worker_did(engine, START + timedelta(days=YEAR)), key=_order) == predicted
    print(f"year: forecast {played:.1f} s, worker path {worked:.1f} s, {len(predicted)} messages")
