"""The real twilio client against a local server speaking Twilio's Messages API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Outgoing, PermanentSendError, TransientSendError
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.members import ConsentEvent, Member
from loyalty.models.messages import Category, Message, MessageState
from tests.builders import make_member
from tests.workers.twilio_fake import FakeTwilioServer, twilio_settings
from workers.channels.twilio_sms import TwilioSmsChannel, retry_after_seconds
from workers.delivery import deliver, schedule_retry

DAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def sms_settings(settings: Settings, twilio: FakeTwilioServer) -> Settings:
    return twilio_settings(settings, twilio.url, twilio_validity_period=3600)


def _out(message_id: int = 1, to: str = "+905321112233", text: str = "Merhaba") -> Outgoing:
    return Outgoing(message_id=message_id, channel="sms", to=to, text=text, first_claimed_at=DAY)


def _queued(engine: Engine, **member_fields: object) -> tuple[int, str]:
    with unit_of_work(engine) as session:
        member = make_member(session, **member_fields)  # type: ignore[arg-type]
        [message_id] = queue(
            session,
            [
                MessageRow(
                    member_id=member.id or 0,
                    requested_channel="sms",
                    dedupe_key=f"coupon:{member.id}",
                    purpose="birthday_self",
                    category=Category.promotional,
                    context={"occasion_on": "2026-12-01"},
                )
            ],
        )
        session.commit()
        return message_id, member.phone


def test_success_sends_from_number_callback_and_validity(
    sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    channel = TwilioSmsChannel(sms_settings)
    sid = channel.send(_out(42))
    [record] = twilio.fake.accepted
    assert sid == record["sid"] and record["to"] == "+905321112233" and record["body"] == "Merhaba"
    assert record["from"] == "+15005550006" and record["messaging_service_sid"] is None
    assert record["status_callback"] == "http://testserver/api/v1/webhooks/twilio/status?m=42"
    assert record["validity_period"] == "3600"


def test_the_environments_proxy_is_honoured_as_it_was_when_the_channel_was_made(
    sms_settings: Settings, twilio: FakeTwilioServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy variables are read once, when the channel is made (not per request): a proxy that does
    not answer is used for the provider's host, NO_PROXY naming that host bypasses it, and a change of
    the environment afterwards does not reach a channel already made."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # discard port: nothing listens
    through_proxy = TwilioSmsChannel(sms_settings)
    with pytest.raises(TransientSendError) as failed:
        through_proxy.send(_out(1))
    assert failed.value.code == "connection" and twilio.fake.accepted == []

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    bypassing = TwilioSmsChannel(sms_settings)
    monkeypatch.delenv("NO_PROXY")  # made before: still bypasses; the first still goes to the proxy
    assert bypassing.send(_out(2)) == twilio.fake.accepted[0]["sid"]
    with pytest.raises(TransientSendError):
        through_proxy.send(_out(3))
    assert len(twilio.fake.accepted) == 1


def test_messaging_service_sid_replaces_the_from_number(
    sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    service = sms_settings.model_copy(update={"twilio_messaging_service_sid": "MG" + "1" * 32})
    TwilioSmsChannel(service).send(_out())
    [record] = twilio.fake.accepted
    assert record["messaging_service_sid"] == "MG" + "1" * 32 and record["from"] is None


def test_server_errors_and_rate_limits_are_transient(
    sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    channel = TwilioSmsChannel(sms_settings)
    twilio.fake.script.extend([("error", 500, 20500), ("429", 7)])
    with pytest.raises(TransientSendError) as server_error:
        channel.send(_out())
    assert server_error.value.code == "20500" and not server_error.value.uncertain
    with pytest.raises(TransientSendError) as limited:
        channel.send(_out())
    assert limited.value.retry_after == 7.0
    assert twilio.fake.accepted == []
    assert (
        retry_after_seconds("Wed, 25 Nov 2026 10:00:30 GMT", datetime(2026, 11, 25, 10, 0, tzinfo=UTC)) == 30
    )


@pytest.mark.parametrize(
    ("code", "effect"), [(21211, "invalid_phone"), (21610, "opted_out"), (21614, None), (21612, None)]
)
def test_permanent_errors_carry_their_effect(
    sms_settings: Settings, twilio: FakeTwilioServer, code: int, effect: str | None
) -> None:
    twilio.fake.fail_numbers["+905321112233"] = code
    with pytest.raises(PermanentSendError) as error:
        TwilioSmsChannel(sms_settings).send(_out())
    assert error.value.code == str(code) and error.value.effect == effect


def test_a_timeout_after_twilio_accepted_is_reconciled_not_resent(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    message_id, phone = _queued(committing_engine)
    channel = TwilioSmsChannel(sms_settings)
    twilio.fake.script.append(("accept_then_stall", 1.5))  # accepted, but the answer comes after the timeout
    outcome = deliver(
        message_id, engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel
    )
    assert (
        outcome.status == "retry"
        and isinstance(outcome.error, TransientSendError)
        and outcome.error.uncertain
    )
    retry_at = schedule_retry(committing_engine, message_id, outcome.error, 1)
    outcome = deliver(
        message_id,
        engine=committing_engine,
        settings=sms_settings,
        channel_for=lambda _: channel,
        now=retry_at,
    )
    assert outcome.status == "sent"
    assert len(twilio.fake.bodies_to(phone)) == 1  # asked Twilio first: no second SMS
    assert outcome.provider_id == twilio.fake.accepted[0]["sid"]


def test_a_timeout_before_twilio_accepted_is_sent_again(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    message_id, phone = _queued(committing_engine)
    channel = TwilioSmsChannel(sms_settings)
    twilio.fake.script.append(("stall", 1.5))
    outcome = deliver(
        message_id, engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel
    )
    assert outcome.status == "retry" and isinstance(outcome.error, TransientSendError)
    retry_at = schedule_retry(committing_engine, message_id, outcome.error, 1)
    outcome = deliver(
        message_id,
        engine=committing_engine,
        settings=sms_settings,
        channel_for=lambda _: channel,
        now=retry_at,
    )
    assert outcome.status == "sent" and len(twilio.fake.bodies_to(phone)) == 1


def test_invalid_number_marks_the_phone_and_opted_out_records_consent(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    channel = TwilioSmsChannel(sms_settings)
    invalid_id, invalid_phone = _queued(committing_engine)
    twilio.fake.fail_numbers[invalid_phone] = 21211
    outcome = deliver(
        invalid_id, engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel
    )
    assert outcome.status == "failed"
    stopped_id, stopped_phone = _queued(committing_engine)
    twilio.fake.fail_numbers[stopped_phone] = 21610
    outcome = deliver(
        stopped_id, engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel
    )
    assert outcome.status == "failed"
    with unit_of_work(committing_engine) as session:
        invalid = session.exec(select(Member).where(Member.phone == invalid_phone)).one()
        stopped = session.exec(select(Member).where(Member.phone == stopped_phone)).one()
        assert invalid.phone_valid is False and invalid.sms_opt_in is True
        assert stopped.sms_opt_in is False and stopped.phone_valid is True
        event = session.exec(select(ConsentEvent).where(ConsentEvent.member_id == stopped.id)).one()
        assert event.granted is False and event.channel == "sms" and event.actor == "twilio"
        states = {m.id: (m.state, m.error_code) for m in session.exec(select(Message))}
        assert states == {
            invalid_id: (MessageState.failed, "21211"),
            stopped_id: (MessageState.failed, "21610"),
        }
    assert twilio.fake.accepted == []
