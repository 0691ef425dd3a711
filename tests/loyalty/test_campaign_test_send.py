"""A campaign's test send goes the normal worker path (dispatch -> claim -> channel) and lands in the outbox
marked as a test; it issues no coupon, skips no member's cap and counts in no statistic."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from loyalty.campaigns.lifecycle import create_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.campaigns.stats import campaign_stats
from loyalty.campaigns.trial_send import send_test
from loyalty.core.db import unit_of_work
from loyalty.core.jobs import set_publisher
from loyalty.core.settings import Settings
from loyalty.delivery.outcomes import apply_provider_status
from loyalty.messaging.claims import claim_due_messages, message_history
from loyalty.messaging.dev_outbox import list_outbox
from loyalty.models.coupons import Coupon
from loyalty.models.members import ConsentEvent
from loyalty.models.messages import Message, MessageState
from tests.workers.twilio_fake import FakeTwilioServer
from workers.channels.outbox import OutboxChannel
from workers.channels.twilio_sms import TwilioSmsChannel
from workers.delivery import deliver

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul
OCCASION = {
    "name": "Doğum günü %20",
    "trigger": {"type": "occasion", "kinds": ["birthday"], "for_whom": ["daughter"], "days_before": 3},
    "offer": {"kind": "percent", "value": "20", "valid_days": 10},
    "channel": "preferred",
    "draft": True,
}


def test_test_send_through_the_worker_lands_in_the_outbox_marked_as_a_test(
    committing_engine: Engine, settings: Settings
) -> None:
    published: list[tuple[str, tuple[object, ...]]] = []
    set_publisher(lambda name, args: published.append((name, args)))
    try:
        with unit_of_work(committing_engine) as session:
            campaign = create_campaign(
                session, CampaignCreate.model_validate(OCCASION), actor="user:m", now=NOW, settings=settings
            )
            messages = send_test(
                session,
                campaign.id or 0,
                phone="0532 999 88 77",
                email="pazarlama@example.com",
                locale="tr",
                actor="user:m",
                settings=settings,
                now=NOW,
            )
            session.commit()
        ids = sorted(m.id or 0 for m in messages)
        with unit_of_work(committing_engine) as session:
            assert sorted(claim_due_messages(session, NOW)) == ids
            session.commit()
        assert sorted(args[0] for name, args in published if name == "workers.send_message") == ids  # type: ignore[type-var]
    finally:
        set_publisher(None)

    for message_id in ids:
        outcome = deliver(
            message_id,
            engine=committing_engine,
            settings=settings,
            channel_for=lambda name: OutboxChannel(settings, name),
            now=NOW,
        )
        assert outcome.status == "sent", outcome
    outbox = Path(settings.outbox_dir)
    [sms_file] = outbox.glob("*-sms.json")
    record = json.loads(sms_file.read_text(encoding="utf-8"))
    assert record["test"] is True and record["to"] == "+905329998877"
    assert record["body"].startswith("[DENEME] ")
    # the occasion campaign's own template (a daughter's birthday, with its purpose), not a holiday text
    assert "her yıl birlikte kutlamak" in record["body"] and "%20" in record["body"]
    listing = list_outbox(outbox)
    assert len(listing.entries) == 2 and all(e.test for e in listing.entries)
    email = next(e for e in listing.entries if e.channel == "email")
    assert email.to == "pazarlama@example.com" and (email.subject or "").startswith("[DENEME]")

    with unit_of_work(committing_engine) as session:
        for message_id in ids:
            message = session.get(Message, message_id)
            assert message is not None and message.state == MessageState.sent
            assert [e.state for e in message_history(session, message_id)] == ["queued", "sending", "sent"]
        assert session.exec(select(Coupon)).all() == []
        stats = campaign_stats(session, campaign.id or 0, timezone_name="Europe/Istanbul", now=NOW)
        assert (stats.sent, stats.coupons, stats.delivered, stats.failed) == (0, 0, 0, 0)


def test_a_stale_test_send_is_cancelled_not_sent(committing_engine: Engine, settings: Settings) -> None:
    with unit_of_work(committing_engine) as session:
        campaign = create_campaign(
            session, CampaignCreate.model_validate(OCCASION), actor="user:m", now=NOW, settings=settings
        )
        [message] = send_test(
            session,
            campaign.id or 0,
            phone="+905329998877",
            email=None,
            locale=None,
            actor="m",
            settings=settings,
            now=NOW,
        )
        session.commit()
    later = NOW + timedelta(days=2)
    outcome = deliver(
        message.id or 0,
        engine=committing_engine,
        settings=settings,
        channel_for=lambda name: OutboxChannel(settings, name),
        now=later,
    )
    assert outcome.status == "skipped"
    with unit_of_work(committing_engine) as session:
        assert session.get(Message, message.id).state == MessageState.cancelled  # type: ignore[union-attr]
    assert list_outbox(Path(settings.outbox_dir)).entries == []


def test_a_test_send_goes_through_twilio_and_a_refusal_touches_no_member(
    committing_engine: Engine, settings: Settings
) -> None:
    """The real twilio client against the local fake: the marketer's phone gets the marked text; a later
    failure report (the number opted out at the provider) has no member to change."""
    with FakeTwilioServer() as twilio:
        sms = settings.model_copy(
            update={
                "sms_backend": "twilio",
                "twilio_account_sid": "AC" + "0" * 32,
                "twilio_auth_token": "test-token",
                "twilio_from_number": "+15005550006",
                "twilio_base_url": twilio.url,
                "twilio_timeout": 0.5,
            }
        )
        with unit_of_work(committing_engine) as session:
            campaign = create_campaign(
                session, CampaignCreate.model_validate(OCCASION), actor="user:m", now=NOW, settings=sms
            )
            [message] = send_test(
                session,
                campaign.id or 0,
                phone="+905329998877",
                email=None,
                locale="en",
                actor="m",
                settings=sms,
                now=NOW,
            )
            session.commit()
        outcome = deliver(
            message.id or 0,
            engine=committing_engine,
            settings=sms,
            channel_for=lambda _: TwilioSmsChannel(sms),
            now=NOW,
        )
        assert outcome.status == "sent"
        [record] = twilio.fake.accepted
        assert record["to"] == "+905329998877" and record["body"].startswith("[TEST] ")
        assert "her yıl" not in record["body"] and "to celebrate together every year" in record["body"]
    with unit_of_work(committing_engine) as session:
        changed = apply_provider_status(
            session,
            provider_id=outcome.provider_id or "",
            state=MessageState.failed,
            provider_status="undelivered",
            error_code="21610",
            effect="opted_out",
            now=NOW,
        )
        session.commit()
        assert changed
        assert session.get(Message, message.id).state == MessageState.failed  # type: ignore[union-attr]
        assert session.exec(select(ConsentEvent)).all() == []
