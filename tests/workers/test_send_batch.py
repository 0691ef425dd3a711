"""Batched delivery: one claim transaction, the provider calls, one record transaction; each message keeps
its own policy, outcome and exactly-once record."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from loyalty.core import clock
from loyalty.core.db import unit_of_work
from loyalty.core.jobs import set_publisher
from loyalty.core.settings import Settings, get_settings
from loyalty.delivery.outcomes import apply_provider_status
from loyalty.delivery.pacing import reserve_slots
from loyalty.messaging.adapter import Outgoing
from loyalty.messaging.claims import message_history
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.members import Member
from loyalty.models.messages import MESSAGES, Category, Message, MessageState
from tests.builders import make_member
from tests.workers.twilio_fake import FakeTwilioServer, twilio_settings
from workers import tasks
from workers.channels.twilio_sms import TwilioSmsChannel
from workers.delivery import deliver_batch, dispatch_due


@pytest.fixture
def sms_settings(settings: Settings, twilio: FakeTwilioServer) -> Settings:
    # in order: the fake's scripted answers go to the first requests
    return twilio_settings(settings, twilio.url, send_threads=1)


def _queue(engine: Engine, member_id: int, key: str, category: Category = Category.promotional) -> int:
    with unit_of_work(engine) as session:
        [message_id] = queue(
            session,
            [
                MessageRow(
                    member_id=member_id,
                    requested_channel="sms",
                    dedupe_key=key,
                    purpose="birthday_self",
                    category=category,
                    context={"occasion_on": "2026-12-01"},
                )
            ],
        )
        session.commit()
    return message_id


def _member(engine: Engine, timezone: str = "Europe/Istanbul") -> tuple[int, str]:
    with unit_of_work(engine) as session:
        member = make_member(session, timezone=timezone)
        session.commit()
        return member.id or 0, member.phone


def test_a_batch_sends_fails_and_retries_each_message_on_its_own(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    members = [_member(committing_engine) for _ in range(4)]
    ids = [_queue(committing_engine, member_id, f"coupon:{member_id}") for member_id, _ in members]
    twilio.fake.fail_numbers[members[1][1]] = 21211  # permanent: fails, the phone is marked invalid
    twilio.fake.script.append(("error", 500, 20500))  # the first request: transient, retried later
    channel = TwilioSmsChannel(sms_settings)

    outcomes = deliver_batch(
        [*ids, 999_999], engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel
    )

    assert [outcomes[i].status for i in [*ids, 999_999]] == ["retry", "failed", "sent", "sent", "skipped"]
    with unit_of_work(committing_engine) as session:
        states = {m.id: m.state for m in session.exec(select(Message))}
        assert states == {
            ids[0]: MessageState.sending,  # its retry is the caller's to schedule (as for deliver)
            ids[1]: MessageState.failed,
            ids[2]: MessageState.sent,
            ids[3]: MessageState.sent,
        }
        invalid = session.exec(select(Member).where(Member.id == members[1][0])).one()
        assert invalid.phone_valid is False
        sent = session.get(Message, ids[2])
        assert sent is not None and sent.provider_id == outcomes[ids[2]].provider_id
        history = [e.state for e in message_history(session, ids[2])]
        assert history == ["queued", "sending", "sent"]
    assert sorted(r["to"] for r in twilio.fake.accepted) == sorted([members[2][1], members[3][1]])

    # the same batch handed out again (a duplicate broker job): nothing is sent twice
    again = deliver_batch(ids, engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel)
    assert {o.status for o in again.values()} == {"skipped"}
    assert len(twilio.fake.accepted) == 2


def test_the_frequency_cap_counts_the_messages_claimed_earlier_in_the_same_batch(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    member_id, phone = _member(committing_engine)
    ids = [_queue(committing_engine, member_id, f"promo:{n}") for n in range(3)]
    channel = TwilioSmsChannel(sms_settings.model_copy(update={"frequency_cap": 2}))
    capped = sms_settings.model_copy(update={"frequency_cap": 2})

    outcomes = deliver_batch(ids, engine=committing_engine, settings=capped, channel_for=lambda _: channel)

    assert [outcomes[i].status for i in ids] == ["sent", "sent", "skipped"]
    assert len(twilio.fake.bodies_to(phone)) == 2
    with unit_of_work(committing_engine) as session:
        third = session.get(Message, ids[2])
        assert third is not None and third.state == MessageState.queued and third.dispatched_at is None


def test_a_batch_sends_on_several_threads_each_with_its_own_adapter(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    members = [_member(committing_engine) for _ in range(12)]
    ids = [
        _queue(committing_engine, member_id, f"note:{member_id}", Category.transactional)
        for member_id, _ in members
    ]
    # the calls' timeout as a provider's (the fixture's 0.5 s is for the timeout tests): four threads'
    # first calls on a loaded machine are not what this test is about
    threaded = sms_settings.model_copy(update={"send_threads": 4, "twilio_timeout": 10})
    # each answer takes a provider's while: a pool thread finishing its lane within microseconds could
    # otherwise take the next lane too (seen once on a loaded machine: one thread sent all twelve)
    twilio.fake.delay = 0.05
    local = threading.local()
    made: list[TwilioSmsChannel] = []

    def channel_for(_name: str) -> TwilioSmsChannel:
        if not hasattr(local, "channel"):
            local.channel = TwilioSmsChannel(threaded)
            made.append(local.channel)
        return local.channel  # type: ignore[no-any-return]

    outcomes = deliver_batch(ids, engine=committing_engine, settings=threaded, channel_for=channel_for)

    not_sent = {i: (o.status, str(o.error)) for i, o in outcomes.items() if o.status != "sent"}
    assert not not_sent and 1 < len(made) <= 4, not_sent
    assert sorted(r["to"] for r in twilio.fake.accepted) == sorted(phone for _, phone in members)
    with unit_of_work(committing_engine) as session:
        rows = list(session.exec(select(Message)))
        assert {m.state for m in rows} == {MessageState.sent}
        assert {m.id: m.provider_id for m in rows} == {i: outcomes[i].provider_id for i in ids}


def test_send_slots_are_shared_on_the_database_one_rate_apart(committing_engine: Engine) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with unit_of_work(committing_engine) as session:
        first = reserve_slots(session, "sms", 10, 100.0, now)
        session.commit()
    with unit_of_work(committing_engine) as session:  # another worker, at the same instant
        second = reserve_slots(session, "sms", 5, 100.0, now)
        email = reserve_slots(session, "email", 5, 100.0, now)  # each channel has its own pace
        session.commit()
    with unit_of_work(committing_engine) as session:  # after an idle second: no burst saved up
        later = reserve_slots(session, "sms", 1, 100.0, now + timedelta(seconds=1))
        session.commit()
    assert first == now and email == now
    assert second == now + timedelta(seconds=0.1)  # after the first worker's ten slots
    assert later == now + timedelta(seconds=1)


def test_a_paced_batch_reserves_one_slot_per_claimed_message(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    members = [_member(committing_engine) for _ in range(3)]
    ids = [
        _queue(committing_engine, member_id, f"note:{member_id}", Category.transactional)
        for member_id, _ in members
    ]
    paced = sms_settings.model_copy(update={"sms_rate": 1000.0})
    channel = TwilioSmsChannel(paced)
    before = datetime.now(UTC)
    outcomes = deliver_batch(ids, engine=committing_engine, settings=paced, channel_for=lambda _: channel)
    assert {o.status for o in outcomes.values()} == {"sent"} and len(twilio.fake.accepted) == 3
    with unit_of_work(committing_engine) as session:
        nxt = reserve_slots(session, "sms", 1, 1000.0, before)
        session.commit()
    assert nxt >= before + timedelta(seconds=0.003)  # the batch took three slots on the shared row


def _notes(engine: Engine, count: int) -> list[int]:
    """``count`` due transactional messages, each to a member of its own; their ids in order."""
    members = [_member(engine) for _ in range(count)]
    return sorted(
        _queue(engine, member_id, f"note:{member_id}", Category.transactional) for member_id, _ in members
    )


def _dispatch(engine: Engine, settings: Settings) -> tuple[int, list[tuple[str, tuple[Any, ...]]]]:
    """The minute tick's dispatch: how many messages it handed out, and the jobs it published."""
    published: list[tuple[str, tuple[Any, ...]]] = []
    set_publisher(lambda name, args: published.append((name, args)))
    try:
        return dispatch_due(engine, settings, datetime.now(UTC)).dispatched, published
    finally:
        set_publisher(None)


def test_the_dispatcher_hands_out_due_messages_in_send_batch_jobs_after_its_commit(
    committing_engine: Engine, settings: Settings
) -> None:
    ids = _notes(committing_engine, 5)
    dispatched, published = _dispatch(committing_engine, settings.model_copy(update={"send_batch": 2}))
    assert dispatched == 5
    assert published == [
        ("workers.send_batch", (ids[0:2],)),
        ("workers.send_batch", (ids[2:4],)),
        ("workers.send_batch", (ids[4:5],)),
    ]


def test_by_default_the_dispatcher_hands_out_batch_jobs_and_at_0_one_job_per_message(
    committing_engine: Engine, settings: Settings
) -> None:
    """Issue 24: batch jobs are the default (LOYALTY_SEND_BATCH); 0 keeps one send_message job each."""
    ids = _notes(committing_engine, 3)
    assert settings.send_batch == Settings.model_fields["send_batch"].default > len(ids)
    assert _dispatch(committing_engine, settings)[1] == [("workers.send_batch", (ids,))]
    with unit_of_work(committing_engine) as session:  # handed out long ago, the jobs lost: again
        session.execute(MESSAGES.update().values(dispatched_at=None))
        session.commit()
    per_message = settings.model_copy(update={"send_batch": 0})
    assert _dispatch(committing_engine, per_message)[1] == [("workers.send_message", (i,)) for i in ids]


def test_quiet_hours_defer_a_batch_message_in_its_members_zone_while_the_others_go(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    quiet = sms_settings.model_copy(update={"quiet_hours_start": 21, "quiet_hours_end": 9})
    at = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)  # 22:30 in Istanbul (quiet), 14:30 in New York
    channel = TwilioSmsChannel(quiet)
    with clock.simulate(at, everywhere=True):
        (istanbul, night), (new_york, day) = (
            _member(committing_engine),
            _member(committing_engine, "America/New_York"),
        )
        ids = [
            _queue(committing_engine, istanbul, "promo:ist"),
            _queue(committing_engine, new_york, "promo:ny"),
        ]
        outcomes = deliver_batch(ids, engine=committing_engine, settings=quiet, channel_for=lambda _: channel)

    assert [outcomes[i].status for i in ids] == ["skipped", "sent"]
    assert twilio.fake.bodies_to(night) == [] and len(twilio.fake.bodies_to(day)) == 1
    with unit_of_work(committing_engine) as session:
        deferred = session.get(Message, ids[0])
        assert deferred is not None and deferred.state == MessageState.queued
        assert deferred.not_before == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # 09:00 in Istanbul
        assert deferred.dispatched_at is None  # handed out again by the tick after the night
        assert message_history(session, ids[0])[-1].detail.startswith("quiet hours until 2026-12-02T06:00")


@pytest.fixture
def worker_env(
    db_url: str, committing_engine: Engine, twilio: FakeTwilioServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """The worker's settings from its environment (what ``workers.tasks`` reads), Twilio at the fake; one
    sending thread, so the fake's scripted answer goes to the batch's first message."""
    for name, value in {
        "ENV": "test",
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "test-token",
        "TWILIO_FROM_NUMBER": "+15005550006",
        "TWILIO_BASE_URL": twilio.url,
        # a provider's timeout, not the timeout tests' 0.5 s: a loaded machine's slow answer (a clean
        # clone's suite once, four test processes on two cores) is not a lost one here
        "TWILIO_TIMEOUT": "10",
        "QUIET_HOURS_START": "0",
        "QUIET_HOURS_END": "0",
        "SEND_THREADS": "1",
    }.items():
        monkeypatch.setenv(f"LOYALTY_{name}", value)
    get_settings.cache_clear()
    tasks._local.__dict__.pop("channels", None)  # this thread's adapters may point at an earlier fake
    yield committing_engine
    tasks._local.__dict__.pop("channels", None)
    get_settings.cache_clear()


def test_a_send_batch_job_sends_fails_and_retries_each_message_with_its_own_backoff(
    worker_env: Engine, twilio: FakeTwilioServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The task body a worker runs for a batch job: a permanent failure fails that message alone, a
    transient one goes back to queued for its backoff and on as a send_message job of its own (Celery's
    countdown), which then sends it; the others are sent once."""
    engine = worker_env
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    members = [_member(engine) for _ in range(4)]
    retried: list[tuple[tuple[Any, ...], float]] = []
    monkeypatch.setattr(
        tasks.send_message, "apply_async", lambda args, countdown: retried.append((args, countdown))
    )
    with clock.simulate(at, everywhere=True) as now:
        ids = [
            _queue(engine, member_id, f"note:{member_id}", Category.transactional) for member_id, _ in members
        ]
        twilio.fake.script.append(("error", 500, 20500))  # the first call (ids[0]): transient
        twilio.fake.fail_numbers[members[1][1]] = 21211  # permanent

        assert tasks.send_batch.run(ids) == {"retry": 1, "failed": 1, "sent": 2}

        [(args, countdown)] = retried
        assert args == (ids[0],) and 2.5 <= countdown <= 5.0  # the first attempt's backoff, jittered
        with unit_of_work(engine) as session:
            states = {m.id: m.state for m in session.exec(select(Message))}
            assert states == {
                ids[0]: MessageState.queued,
                ids[1]: MessageState.failed,
                ids[2]: MessageState.sent,
                ids[3]: MessageState.sent,
            }
            waiting = session.get(Message, ids[0])
            assert waiting is not None and waiting.not_before == at + timedelta(seconds=countdown)
            assert message_history(session, ids[0])[-1].detail.startswith("retry at ")
        now.advance(timedelta(seconds=countdown))
        assert tasks.send_message.run(ids[0]) == "sent"  # the retry job, at its countdown

    assert sorted(r["to"] for r in twilio.fake.accepted) == sorted(
        phone for n, (_, phone) in enumerate(members) if n != 1
    )
    with unit_of_work(engine) as session:
        assert {m.state for m in session.exec(select(Message)) if m.id != ids[1]} == {MessageState.sent}


def test_a_delivery_report_that_came_first_is_not_moved_back_by_the_batch_record(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    member_id, _ = _member(committing_engine)
    message_id = _queue(committing_engine, member_id, "note:early", Category.transactional)
    channel = TwilioSmsChannel(sms_settings)
    original = channel.send

    def send_then_report(out: Outgoing) -> str:
        sid = original(out)
        with unit_of_work(committing_engine) as session:  # the callback wins the race to the database
            assert apply_provider_status(
                session,
                provider_id=sid,
                message_id=out.message_id,  # carried in the callback URL
                state=MessageState.delivered,
                provider_status="delivered",
            )
            session.commit()
        return sid

    channel.send = send_then_report  # type: ignore[method-assign]
    outcomes = deliver_batch(
        [message_id], engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel
    )
    assert outcomes[message_id].status == "sent"
    with unit_of_work(committing_engine) as session:
        message = session.get(Message, message_id)
        assert message is not None and message.state == MessageState.delivered
        assert message.sent_at is not None and message.lease_until is None
        assert message.provider_id == outcomes[message_id].provider_id
        assert [e.state for e in message_history(session, message_id)] == ["queued", "sending", "delivered"]
