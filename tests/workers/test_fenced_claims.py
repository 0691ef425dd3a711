"""Fenced claims (issue 25 point 1, chunked in issue 24): a batch that outlives its lease never sends what
another worker took over; a send on a channel that cannot reconcile is recorded before the next call, on
one that can, a chunk at a time, and a crash inside a chunk sends nothing twice; the start-up refuses
settings under which a send job could outlive its lease."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from loyalty.core.clock import simulate, utcnow
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Outgoing
from loyalty.messaging.claims import recover_stuck
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.messages import EVENTS, MESSAGES, Category, Message, MessageState
from tests.builders import make_member
from tests.workers.twilio_fake import FakeTwilioServer, twilio_settings
from workers.channels.twilio_sms import TwilioSmsChannel
from workers.checks import batch_seconds, lease_problem
from workers.delivery import deliver_batch, give_up, schedule_retry
from workers.send_lanes import RECONCILING_CHUNK, Lane, Outcome


@pytest.fixture
def sms_settings(settings: Settings, twilio: FakeTwilioServer) -> Settings:
    # in order: the first message's call happens before the others'
    return twilio_settings(settings, twilio.url, send_threads=1)


def _messages(engine: Engine, count: int) -> list[tuple[int, str]]:
    made = []
    with unit_of_work(engine) as session:
        for n in range(count):
            member = make_member(session)
            [message_id] = queue(
                session,
                [
                    MessageRow(
                        member_id=member.id,
                        requested_channel="sms",
                        dedupe_key=f"note:{n}",
                        purpose="birthday_self",
                        category=Category.transactional,
                        context={"occasion_on": "2026-12-01"},
                    )
                ],
            )
            made.append((message_id, member.phone))
        session.commit()
    return made


def test_a_batch_past_its_lease_skips_what_another_worker_took_over(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    made = _messages(committing_engine, 3)
    ids = [i for i, _ in made]
    channel = TwilioSmsChannel(sms_settings)
    other = TwilioSmsChannel(sms_settings)
    original = channel.send
    taken: dict[int, str] = {}
    recovered: list[int] = []

    with simulate(utcnow()) as clock:

        def slow_send(out: Outgoing) -> str:
            if out.message_id == ids[0]:
                # the first call outlives the leases the lane renewed for its chunk: by this worker's clock
                # too, the minute tick recovers the chunk and another worker claims and sends the tail
                with unit_of_work(committing_engine) as session:
                    [lease] = session.execute(
                        sa.select(MESSAGES.c.lease_until).where(MESSAGES.c.id == ids[2])
                    ).one()
                    clock.set(lease + timedelta(seconds=1))
                    recovered.extend(recover_stuck(session, utcnow()))
                    session.commit()
                again = deliver_batch(
                    ids[1:], engine=committing_engine, settings=sms_settings, channel_for=lambda _: other
                )
                taken.update({i: o.status for i, o in again.items()})
            return original(out)

        channel.send = slow_send  # type: ignore[method-assign]
        outcomes = deliver_batch(
            ids, engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel
        )

    assert recovered == ids  # one chunk, one lease: all three were renewed together
    assert taken == {ids[1]: "sent", ids[2]: "sent"}
    assert [outcomes[i].status for i in ids] == ["sent", "skipped", "skipped"]
    per_number = Counter(r["to"] for r in twilio.fake.accepted)
    assert per_number == Counter(phone for _, phone in made)  # one SMS each: nothing sent twice
    with unit_of_work(committing_engine) as session:
        rows = {m.id: m for m in session.exec(select(Message))}
        assert {m.state for m in rows.values()} == {MessageState.sent}
        assert len({m.provider_id for m in rows.values()}) == 3


def _states(engine: Engine) -> dict[int, str]:
    with unit_of_work(engine) as session:
        return {m.id or 0: m.state for m in session.exec(select(Message))}


def _states_at_each_call(
    engine: Engine, channel: TwilioSmsChannel, ids: list[int], settings: Settings
) -> list[dict[int, str]]:
    """Deliver ``ids`` in one batch; the messages' states as each provider call began, in call order."""
    original = channel.send
    seen: list[dict[int, str]] = []

    def watching_send(out: Outgoing) -> str:
        seen.append(_states(engine))
        return original(out)

    channel.send = watching_send  # type: ignore[method-assign]
    deliver_batch(ids, engine=engine, settings=settings, channel_for=lambda _: channel)
    return seen


class BlindTwilio(TwilioSmsChannel):
    """Twilio's API without its message list: a channel that cannot ask what its provider accepted."""

    can_reconcile = False


def test_a_channel_that_cannot_reconcile_records_each_send_before_the_next(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    ids = [i for i, _ in _messages(committing_engine, 3)]
    seen = _states_at_each_call(committing_engine, BlindTwilio(sms_settings), ids, sms_settings)

    # a crash during the third call could only leave the third in 'sending': the first two are recorded
    assert [seen[2][i] for i in ids] == [MessageState.sent, MessageState.sent, MessageState.sending]
    assert len(twilio.fake.accepted) == 3


def test_a_reconciling_channel_records_a_chunk_at_a_time(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    ids = [i for i, _ in _messages(committing_engine, RECONCILING_CHUNK + 2)]
    seen = _states_at_each_call(committing_engine, TwilioSmsChannel(sms_settings), ids, sms_settings)

    first, second = ids[:RECONCILING_CHUNK], ids[RECONCILING_CHUNK:]
    assert {seen[RECONCILING_CHUNK - 1][i] for i in ids} == {MessageState.sending}  # the chunk in flight
    assert {seen[RECONCILING_CHUNK][i] for i in first} == {MessageState.sent}  # recorded before the next
    assert {seen[RECONCILING_CHUNK][i] for i in second} == {MessageState.sending}
    assert set(_states(committing_engine).values()) == {MessageState.sent}
    assert len(twilio.fake.accepted) == len(ids)


@pytest.mark.parametrize("blind", [False, True], ids=["reconciling", "cannot-reconcile"])
def test_a_lane_done_first_leaves_its_chunk_to_the_batch_only_where_the_provider_can_be_asked(
    committing_engine: Engine,
    sms_settings: Settings,
    twilio: FakeTwilioServer,
    blind: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two lanes; the one holding the first message is still in its call when the other lane is done.
    On a channel that can reconcile, the finished lane's outcome waits for the batch's one record
    transaction (a crash now would leave it to be found at the provider); on one that cannot, it is
    already recorded (a crash would resend it). Afterwards every message is sent, once."""
    ids = [i for i, _ in _messages(committing_engine, 2)]
    two_lanes = sms_settings.model_copy(update={"send_threads": 2})
    other_lane_done = threading.Event()
    run = Lane.run

    def watched_run(lane: Lane, outs: list[Outgoing], **kwargs: bool) -> list[Outcome]:
        outcomes = run(lane, outs, **kwargs)
        if ids[0] not in {o.message_id for o in outs}:
            other_lane_done.set()
        return outcomes

    monkeypatch.setattr(Lane, "run", watched_run)
    seen: list[dict[int, str]] = []
    local = threading.local()

    def channel_for(_name: str) -> TwilioSmsChannel:
        if not hasattr(local, "channel"):
            local.channel = (BlindTwilio if blind else TwilioSmsChannel)(two_lanes)
            original = local.channel.send

            def send(out: Outgoing) -> str:
                if out.message_id == ids[0]:
                    assert other_lane_done.wait(10)
                    seen.append(_states(committing_engine))
                return str(original(out))

            local.channel.send = send
        return local.channel  # type: ignore[no-any-return]

    outcomes = deliver_batch(ids, engine=committing_engine, settings=two_lanes, channel_for=channel_for)

    left = MessageState.sent if blind else MessageState.sending
    assert seen == [{ids[0]: MessageState.sending, ids[1]: left}]
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert set(_states(committing_engine).values()) == {MessageState.sent}
    assert sorted(r["to"] for r in twilio.fake.accepted) == sorted(
        m.to_address or "" for m in _rows(committing_engine)
    )


def _rows(engine: Engine) -> list[Message]:
    with unit_of_work(engine) as session:
        return list(session.exec(select(Message)))


class Crash(BaseException):
    """The worker dies (a SIGKILL runs no handler: nor does this, in the lane)."""


def test_a_crash_inside_a_chunk_leaves_what_went_out_to_be_found_at_the_provider(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    made = _messages(committing_engine, 4)
    ids = [i for i, _ in made]
    channel = TwilioSmsChannel(sms_settings)
    original = channel.send

    def dying_send(out: Outgoing) -> str:
        if out.message_id == ids[2]:
            raise Crash
        return original(out)

    channel.send = dying_send  # type: ignore[method-assign]
    with pytest.raises(Crash):
        deliver_batch(ids, engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel)
    # two SMS went out, nothing is recorded: the whole chunk is still in 'sending' under its lease
    assert len(twilio.fake.accepted) == 2
    assert set(_states(committing_engine).values()) == {MessageState.sending}

    with unit_of_work(committing_engine) as session:
        [lease] = session.execute(sa.select(sa.func.max(MESSAGES.c.lease_until))).one()
        assert sorted(recover_stuck(session, lease + timedelta(seconds=1))) == ids
        session.commit()
    fresh = TwilioSmsChannel(sms_settings)
    again = deliver_batch(ids, engine=committing_engine, settings=sms_settings, channel_for=lambda _: fresh)

    assert {o.status for o in again.values()} == {"sent"}
    per_number = Counter(r["to"] for r in twilio.fake.accepted)
    assert per_number == Counter(phone for _, phone in made)  # the first two were found, not sent again
    with unit_of_work(committing_engine) as session:
        found = session.execute(
            sa.select(EVENTS.c.message_id).where(EVENTS.c.detail.like("found at the provider%"))
        ).scalars()
        assert sorted(found) == ids[:2]


def test_a_claim_taken_over_is_neither_retried_nor_failed_by_its_old_holder(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    [(message_id, _)] = _messages(committing_engine, 1)
    twilio.fake.script.append(("error", 500, 20500))  # the old holder's call fails (transient)
    channel = TwilioSmsChannel(sms_settings)
    outcome = deliver_batch(
        [message_id], engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel
    )[message_id]
    assert outcome.status == "retry" and outcome.claim_token
    with committing_engine.begin() as conn:  # meanwhile its claim was recovered and taken by another
        conn.execute(
            sa.update(MESSAGES).where(MESSAGES.c.id == message_id).values(claim_token="someone-else")
        )
    assert outcome.error is not None
    assert schedule_retry(committing_engine, message_id, outcome.error, 30, token=outcome.claim_token) is None
    give_up(committing_engine, message_id, outcome.error, token=outcome.claim_token)
    with unit_of_work(committing_engine) as session:
        message = session.get(Message, message_id)
        assert message is not None and message.state == MessageState.sending  # the new holder's


def test_the_start_up_refuses_a_batch_that_can_outlive_its_lease(settings: Settings) -> None:
    # the defaults: 50 per job on 4 threads, 10 s timeouts, a 300 s lease; 100 (as fast) would not fit
    assert lease_problem(settings) is None and batch_seconds(settings) == 13 * 2 * 10
    assert lease_problem(settings.model_copy(update={"send_batch": 100})) is not None
    long = settings.model_copy(update={"send_batch": 1000, "send_threads": 4})
    assert batch_seconds(long) == 250 * 2 * 10
    problem = lease_problem(long)
    assert problem is not None and "LOYALTY_MESSAGE_LEASE_SECONDS=300" in problem and "\n" not in problem
    paced = settings.model_copy(update={"send_batch": 100, "send_threads": 32, "sms_rate": 1.0})
    assert lease_problem(paced) is None
    assert lease_problem(paced.model_copy(update={"sms_rate": 0.25})) is not None  # 400 s of pacing alone
    assert lease_problem(long.model_copy(update={"message_lease_seconds": 5001})) is None
