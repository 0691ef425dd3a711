"""Issue 25 point 7: retries are timed, not counted. A transient failure is retried (backoff capped) until
the message's own deadline, or the retry window; the give-up reason is visible; a message given up in a
provider outage goes out again once the provider accepts messages again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from loyalty.core.db import unit_of_work, utcnow
from loyalty.core.jobs import set_publisher
from loyalty.core.settings import Settings
from loyalty.messaging.adapter import TransientSendError
from loyalty.messaging.claims import OUTAGE, message_history
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.messages import Category, Message, MessageState
from tests.builders import make_member
from tests.workers.twilio_fake import FakeTwilioServer, twilio_settings
from workers.channels.twilio_sms import TwilioSmsChannel
from workers.delivery import backoff, deliver, dispatch_due, retry_or_give_up


@pytest.fixture
def sms_settings(settings: Settings, twilio: FakeTwilioServer) -> Settings:
    return twilio_settings(settings, twilio.url, send_threads=1)


def _queue(engine: Engine, **values: Any) -> int:
    with unit_of_work(engine) as session:
        member = make_member(session)
        [message_id] = queue(
            session,
            [
                MessageRow(
                    member_id=member.id,
                    requested_channel="sms",
                    dedupe_key=f"note:{member.id}",
                    purpose="birthday_self",
                    category=Category.transactional,
                    context={"occasion_on": "2026-12-01"},
                    **values,
                )
            ],
        )
        session.commit()
    return message_id


def _failing_once(
    engine: Engine, settings: Settings, twilio: FakeTwilioServer, **values: Any
) -> tuple[int, Any]:
    """A message whose first attempt meets a provider 500: left in 'sending', its retry to decide."""
    message_id = _queue(engine, **values)
    twilio.fake.script.append(("error", 500, 20500))
    channel = TwilioSmsChannel(settings)
    outcome = deliver(message_id, engine=engine, settings=settings, channel_for=lambda _: channel)
    assert outcome.status == "retry" and isinstance(outcome.error, TransientSendError)
    return message_id, outcome


def test_backoff_doubles_up_to_its_cap_and_honours_retry_after() -> None:
    error = TransientSendError("500", code="500")
    first = [backoff(0, error, 900) for _ in range(50)]
    assert all(2.5 <= w <= 5 for w in first)  # never a burst at zero
    late = [backoff(40, error, 900) for _ in range(50)]
    assert all(450 <= w <= 900 for w in late)
    assert backoff(0, TransientSendError("429", retry_after=120), 900) == 120


def test_a_message_retries_until_its_own_deadline_then_says_why_it_gave_up(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    send_by = utcnow() + timedelta(hours=2)
    message_id, outcome = _failing_once(committing_engine, sms_settings, twilio, send_by=send_by)
    # the ninth failure in a row is retried as long as time remains (counted retries gave up at 8)
    countdown = retry_or_give_up(committing_engine, message_id, outcome.error, 8, sms_settings)
    assert countdown is not None and 450 <= countdown <= 900
    with unit_of_work(committing_engine) as session:
        message = session.get(Message, message_id)
        assert message is not None and message.state == MessageState.queued
        assert message.not_before > utcnow() + timedelta(seconds=400)

    message_id, outcome = _failing_once(
        committing_engine, sms_settings, twilio, send_by=utcnow() + timedelta(minutes=5)
    )
    assert retry_or_give_up(committing_engine, message_id, outcome.error, 8, sms_settings) is None
    with unit_of_work(committing_engine) as session:
        message = session.get(Message, message_id)
        assert message is not None and message.state == MessageState.failed
        assert message.error_code != OUTAGE
        assert message.error_message is not None and "gave up at its deadline" in message.error_message
        assert "after 9 attempts" in message.error_message and "500" in message.error_message
        assert "gave up at its deadline" in message_history(session, message_id)[-1].detail


def test_a_message_failed_by_an_outage_goes_again_when_the_provider_recovers(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    short = sms_settings.model_copy(update={"send_retry_window": 60})
    message_id, outcome = _failing_once(committing_engine, short, twilio)
    later = utcnow() + timedelta(seconds=61)  # the provider has been down for the whole window
    assert retry_or_give_up(committing_engine, message_id, outcome.error, 3, short, now=later) is None
    with unit_of_work(committing_engine) as session:
        failed = session.get(Message, message_id)
        assert failed is not None and failed.state == MessageState.failed and failed.error_code == OUTAGE
        assert "retry window" in (failed.error_message or "")
    published: list[tuple[str, tuple[Any, ...]]] = []
    set_publisher(lambda name, args: published.append((name, args)))
    try:
        assert dispatch_due(committing_engine, short, utcnow()).requeued == []  # the provider is still down
        # the provider answers again: another message goes through
        other = _queue(committing_engine)
        channel = TwilioSmsChannel(short)
        assert (
            deliver(other, engine=committing_engine, settings=short, channel_for=lambda _: channel).status
            == "sent"
        )
        report = dispatch_due(committing_engine, short, utcnow())
    finally:
        set_publisher(None)
    assert report.requeued == [message_id]
    with unit_of_work(committing_engine) as session:
        message = session.get(Message, message_id)
        assert message is not None and message.state == MessageState.queued and message.needs_reconcile
        assert (
            message_history(session, message_id)[-1].detail
            == "re-queued: the provider accepts messages again"
        )
