"""Issue 25 point 6 (messages): a restored database never re-sends what the provider accepted after the
backup. `loyalty db reconcile-restore --backup-time T` makes every message the backup shows unsent ask the
provider first, and every campaign run the backup shows due but not done ask it first when it runs again
(its new messages carry new coupon codes: the provider's text matches but for the code and page link)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from loyalty.campaigns.lifecycle import create_campaign
from loyalty.campaigns.running import claim_due_runs, mark_runs_after_restore, run_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.core.db import unit_of_work, utcnow
from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.coupons.codes import format_code
from loyalty.messaging.adapter import Outgoing, same_text
from loyalty.messaging.claims import message_history, reconcile_after_restore
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.campaigns import Campaign, CampaignRun
from loyalty.models.coupons import COUPONS
from loyalty.models.messages import EVENTS, MESSAGES, Category, Message, MessageState
from tests.builders import make_member
from tests.workers.twilio_fake import FakeTwilioServer, twilio_settings
from workers.channels.twilio_sms import TwilioSmsChannel
from workers.delivery import deliver


@pytest.fixture
def sms_settings(settings: Settings, twilio: FakeTwilioServer) -> Settings:
    return twilio_settings(settings, twilio.url, send_threads=1)


def _queue(engine: Engine, key: str) -> int:
    with unit_of_work(engine) as session:
        member = make_member(session)
        [message_id] = queue(
            session,
            [
                MessageRow(
                    member_id=member.id,
                    requested_channel="sms",
                    dedupe_key=key,
                    purpose="birthday_self",
                    category=Category.transactional,
                    context={"occasion_on": "2026-12-01"},
                )
            ],
        )
        session.commit()
    return message_id


def test_a_restored_database_asks_the_provider_before_sending_again(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    backup_at = utcnow() - timedelta(hours=1)
    sent_after_backup = _queue(committing_engine, "note:sent-after-backup")
    never_sent = _queue(committing_engine, "note:never-sent")
    channel = TwilioSmsChannel(sms_settings)
    assert (
        deliver(
            sent_after_backup, engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel
        ).status
        == "sent"
    )
    with twilio.fake.lock:  # the provider accepted it half an hour ago, after the backup
        twilio.fake.accepted[0]["date_created"] = format_datetime(
            datetime.now(UTC) - timedelta(minutes=30), usegmt=True
        )
    with committing_engine.begin() as conn:  # the restore: the backup knew it only as queued
        conn.execute(
            sa.update(MESSAGES)
            .where(MESSAGES.c.id == sent_after_backup)
            .values(
                state="queued",
                provider_id=None,
                sent_at=None,
                first_claimed_at=None,
                claimed_at=None,
                attempts=0,
            )
        )

    with unit_of_work(committing_engine) as session:
        reconciled = reconcile_after_restore(session, backup_at, utcnow())
        session.commit()
    assert reconciled == sorted([sent_after_backup, never_sent])

    outcomes = {
        i: deliver(i, engine=committing_engine, settings=sms_settings, channel_for=lambda _: channel)
        for i in (sent_after_backup, never_sent)
    }
    assert {i: o.status for i, o in outcomes.items()} == {sent_after_backup: "sent", never_sent: "sent"}
    assert len(twilio.fake.accepted) == 2  # the accepted one recognised, not re-sent; the other sent once
    with unit_of_work(committing_engine) as session:
        found = session.get(Message, sent_after_backup)
        assert found is not None and found.state == MessageState.sent
        assert found.provider_id == twilio.fake.accepted[0]["sid"]
        details = [e.detail for e in message_history(session, sent_after_backup)]
        assert any(d.startswith("restored from a backup of") for d in details)
        assert details[-1] == "found at the provider after an interrupted attempt"


def _run_and_deliver(engine: Engine, settings: Settings, channel: TwilioSmsChannel, at: datetime) -> dict:
    """The worker at ``at``: claim and run the due runs; then, when their messages are due, deliver them:
    {message id: status}."""
    with unit_of_work(engine) as session:
        runs = claim_due_runs(session, at)
        session.commit()
    for run_id in runs:
        with unit_of_work(engine) as session:
            run_campaign(session, run_id, at, settings)
            session.commit()
    with unit_of_work(engine) as session:
        due = session.execute(sa.select(MESSAGES.c.id).where(MESSAGES.c.state == "queued")).scalars().all()
        send_at = session.execute(sa.select(sa.func.max(MESSAGES.c.not_before))).scalar_one()
    return {
        i: deliver(i, engine=engine, settings=settings, channel_for=lambda _: channel, now=send_at).status
        for i in sorted(due)
    }


def test_a_campaign_run_made_again_after_a_restore_asks_the_provider_first(
    committing_engine: Engine, sms_settings: Settings, twilio: FakeTwilioServer
) -> None:
    engine, channel = committing_engine, TwilioSmsChannel(sms_settings)
    backup_at = utcnow() - timedelta(hours=1)
    tomorrow = (utcnow().astimezone(zone_of(sms_settings.timezone)) + timedelta(days=1)).date()
    with unit_of_work(engine) as session:
        members = [make_member(session, phone=f"+4477009001{n:02d}") for n in range(3)]
        campaign = create_campaign(
            session,
            CampaignCreate.model_validate(
                {
                    "name": "Kış indirimi",
                    "trigger": {"type": "date", "send_at": f"{tomorrow.isoformat()}T10:00"},
                    "offer": {"kind": "percent", "value": "10", "valid_days": 7},
                    "channel": "sms",
                }
            ),
            actor="user:mk",
            now=utcnow(),
            settings=sms_settings,
        )
        session.commit()
        [run] = session.execute(
            sa.select(CampaignRun).where(CampaignRun.campaign_id == campaign.id)
        ).scalars()
        run_id, at = run.id, run.issue_at + timedelta(minutes=1)
    first = _run_and_deliver(engine, sms_settings, channel, at)
    assert list(first.values()) == ["sent"] * 3 and len(twilio.fake.accepted) == 3
    with twilio.fake.lock:  # the third never reached the provider before the database was lost
        twilio.fake.accepted.pop()

    with engine.begin() as conn:  # the restore: the backup knew the run as scheduled, nothing issued
        conn.execute(sa.delete(EVENTS))
        conn.execute(sa.delete(MESSAGES))
        conn.execute(sa.delete(COUPONS))
        conn.execute(
            sa.update(CampaignRun)
            .where(CampaignRun.id == run_id)
            .values(status="scheduled", claimed_at=None, finished_at=None, messages_queued=0)
        )
        conn.execute(sa.update(Campaign).where(Campaign.id == campaign.id).values(status="scheduled"))
    with unit_of_work(engine) as session:
        assert mark_runs_after_restore(session, backup_at, at) == [run_id]
        session.commit()

    again = _run_and_deliver(engine, sms_settings, channel, at + timedelta(minutes=5))
    assert list(again.values()) == ["sent"] * 3
    assert len(twilio.fake.accepted) == 3  # two recognised at the provider, only the lost-before one sent
    with unit_of_work(engine) as session:
        messages = session.execute(sa.select(Message).order_by(MESSAGES.c.id)).scalars().all()
        accepted_ids = {r["sid"] for r in twilio.fake.accepted}
        assert {m.provider_id for m in messages} == accepted_ids
        recognised = [m for m in messages if m.member_id in {members[0].id, members[1].id}]
        for message in recognised:
            details = [e.detail for e in message_history(session, message.id or 0)]
            assert any(d.startswith("run made again after a restore") for d in details)
            assert details[-1] == "found at the provider after an interrupted attempt"
    # the provider holds the lost coupons' codes, not the new ones: recognised all but for the code
    with unit_of_work(engine) as session:
        codes = dict(session.execute(sa.select(COUPONS.c.member_id, COUPONS.c.code)).all())
    bodies = {r["to"]: r["body"] for r in twilio.fake.accepted}
    assert [format_code(codes[m.id or 0]) in bodies[m.phone] for m in members] == [False, False, True]


def test_only_the_variable_parts_may_differ_from_the_providers_text() -> None:
    out = Outgoing(
        message_id=1,
        channel="sms",
        to="+447700900100",
        text="Ayşe, kodunuz: DJGW-Z7ZB-N8M, son gün 15 Aralık. http://x/m/abc",
        variable_parts=("DJGW-Z7ZB-N8M", "http://x/m/abc"),
    )
    assert same_text(out, "Ayşe, kodunuz: 2HCJ-RMAN-979, son gün 15 Aralık. http://x/m/zzz")
    assert not same_text(out, "Ayşe, kodunuz: 2HCJ-RMAN-979, son gün 16 Aralık. http://x/m/zzz")
    assert not same_text(out, "Ayşe, kodunuz: 2HCJ RMAN-979, son gün 15 Aralık. http://x/m/zzz")
    exact = replace(out, variable_parts=())  # an ordinary interrupted attempt: the text exactly
    assert not same_text(exact, "Ayşe, kodunuz: 2HCJ-RMAN-979, son gün 15 Aralık. http://x/m/abc")
    assert same_text(exact, exact.text)
