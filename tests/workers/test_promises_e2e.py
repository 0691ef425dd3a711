"""Issue 10, end to end through the real worker path (workers/delivery.py ``dispatch_due`` and ``deliver``
with the outbox channel): a member whose daughter's birthday is in three days, with two generic campaigns
the same week, receives the reminder on time, in the second person, with her page link and the opt-out
line; the birthday coupon goes out on the day, not after; the outbox copies say so."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from loyalty.campaigns.lifecycle import create_campaign
from loyalty.campaigns.running import run_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.core.tokens import PageLink
from loyalty.members.links import read_page_link
from loyalty.models.messages import Message, MessageEvent, MessageState
from loyalty.models.occasions import Occasion
from loyalty.occasions.reminders import queue_occasion_reminders
from tests.builders import make_member, make_purchase
from workers.channels.outbox import OutboxChannel
from workers.delivery import deliver, dispatch_due

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul, Monday 30 November 2026


def _page_link_of(text: str, settings: Settings, engine: Engine, before: str = "") -> PageLink:
    """The member-page link that follows ``before`` in a message, read back (a short key kept on the
    server, and expiring)."""
    found = re.search(re.escape(before) + r"http://testserver/m/(\S+)", text)
    assert found is not None, text
    with unit_of_work(engine) as session:
        return read_page_link(
            session, settings.secret_key, found.group(1), datetime(2026, 12, 6, 12, tzinfo=UTC)
        )


def generic(name: str, day: str) -> CampaignCreate:
    return CampaignCreate.model_validate(
        {
            "name": name,
            "trigger": {"type": "date", "send_at": f"{day}T10:00"},
            "offer": {"kind": "percent", "value": "5", "valid_days": 7},
            "channel": "preferred",
        }
    )


def birthday_coupon() -> CampaignCreate:
    return CampaignCreate.model_validate(
        {
            "name": "Doğum günü hediyesi",
            "trigger": {"type": "occasion", "kinds": ["birthday"], "days_before": 0, "send_time": "10:00"},
            "offer": {"kind": "percent", "value": "20", "valid_days": 3},
            "channel": "preferred",
        }
    )


def tick(engine: Engine, settings: Settings, now: datetime) -> list[int]:
    """One minute of the worker: dispatch (runs and due messages), run the claimed runs, deliver."""
    while runs := dispatch_due(engine, settings, now).runs:  # each minute of the days between catches up
        for run_id in runs:
            with unit_of_work(engine) as session:
                run_campaign(session, run_id, now, settings)
                session.commit()
    with unit_of_work(engine) as session:  # what the dispatcher handed out, and what the runs just queued
        due = session.exec(
            select(Message.id).where(Message.state == MessageState.queued, Message.not_before <= now)
        ).all()
    sent = []
    for message_id in sorted(i for i in due if i is not None):
        outcome = deliver(
            message_id,
            engine=engine,
            settings=settings,
            channel_for=lambda n: OutboxChannel(settings, n),
            now=now,
        )
        if outcome.status == "sent":
            sent.append(message_id)
    return sent


def sms_text(outbox: Path, message_id: int) -> str:
    record = json.loads((outbox / f"{message_id:08d}-sms.json").read_text(encoding="utf-8"))
    assert record["status"].startswith("NOT SENT")
    return str(record["body"])


def email_of(outbox: Path, message_id: int) -> EmailMessage:
    raw = (outbox / f"{message_id:08d}-email.eml").read_bytes()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def test_the_reminder_she_asked_for_is_not_pushed_out_by_two_promotions(
    committing_engine: Engine, settings: Settings
) -> None:
    engine, outbox = committing_engine, settings.outbox_dir
    with unit_of_work(engine) as session:
        ayse = make_member(session, full_name="Ayşe Yılmaz")  # SMS, Turkish, Istanbul
        emma = make_member(
            session,
            full_name="Emma Smith",
            locale="en",
            timezone="Europe/London",
            email="emma@example.com",
            email_opt_in=True,
            sms=False,
            preferred_channel="email",
        )
        for member in (ayse, emma):
            make_purchase(session, member, occurred_at=MONDAY - timedelta(days=20))
        session.add(
            Occasion(
                member_id=ayse.id or 0,
                kind="birthday",
                for_whom="daughter",
                relation_name="Elif",
                purpose="çikolatalı pastayı çok sever",
                month=12,
                day=9,
                recurrence="yearly",
                remind_days_before=3,
                stated_by="member",
            )
        )
        session.add(
            Occasion(
                member_id=emma.id or 0,
                kind="birthday",
                for_whom="mother",
                purpose="she collects teacups",
                month=12,
                day=9,
                recurrence="yearly",
                remind_days_before=3,
                stated_by="member",
            )
        )
        for campaign in (generic("Kış indirimi", "2026-12-03"), generic("Hafta sonu", "2026-12-05")):
            create_campaign(session, campaign, actor="user:mk", now=MONDAY, settings=settings)
        create_campaign(session, birthday_coupon(), actor="user:mk", now=MONDAY, settings=settings)
        session.commit()
        ayse_id, emma_id = ayse.id or 0, emma.id or 0

    # Thursday 3 and Saturday 5 December, 10:01 local: the two generic 5 % campaigns go (cap: 2 in 7 days)
    generic_sent = tick(engine, settings, datetime(2026, 12, 3, 10, 1, tzinfo=UTC))
    generic_sent += tick(engine, settings, datetime(2026, 12, 5, 10, 1, tzinfo=UTC))
    with unit_of_work(engine) as session:
        mine = session.exec(select(Message).where(Message.member_id == ayse_id)).all()
        assert sorted(m.purpose for m in mine if m.state == MessageState.sent) == ["holiday_coupon"] * 2

    # Sunday 6 December: the daily reminder job at 00:30 UTC, the reminder due at 10:00 Istanbul (07:00 UTC)
    with unit_of_work(engine) as session:
        assert queue_occasion_reminders(session, datetime(2026, 12, 6, 0, 30, tzinfo=UTC)) == 2  # both
        session.commit()
    assert tick(engine, settings, datetime(2026, 12, 6, 6, 59, tzinfo=UTC)) == []  # not before 10:00 local
    [reminder_id] = tick(engine, settings, datetime(2026, 12, 6, 7, 1, tzinfo=UTC))
    text = sms_text(outbox, reminder_id)
    # who speaks (the shop), to whom (Ayşe), about whom (her daughter, in the second person), which day
    assert text.startswith("Köşe Kahvecisi: Ayşe, kızınız Elif'in doğum günü yaklaşıyor: 9 Aralık.")
    assert "kızım" not in text and "icin" not in text  # never the member's own words, never folded Turkish
    assert '"çikolatalı pastayı çok sever"' in text
    assert _page_link_of(text, settings, engine) == PageLink(
        ayse_id, 0
    )  # "Günleriniz: <her page>": retire, change
    assert text.endswith("SMS almamak için RET yazıp yanıtlayın.")  # how to opt out

    # Emma's reminder, by e-mail in English, in her own zone (10:00 London = 10:00 UTC in December)
    with unit_of_work(engine) as session:
        assert queue_occasion_reminders(session, datetime(2026, 12, 6, 3, 0, tzinfo=UTC)) == 0  # queued once
        session.commit()
    [emma_reminder] = tick(engine, settings, datetime(2026, 12, 6, 10, 1, tzinfo=UTC))
    eml = email_of(outbox, emma_reminder)
    assert eml["Subject"] == "Your mother's birthday is coming up"
    body = eml.get_body(("plain",))
    assert body is not None
    plain = body.get_content()
    assert "Your mother's birthday is coming up on December 9." in plain and "my mother" not in plain
    assert _page_link_of(plain, settings, engine, "Your page (your occasions and consents): ") == PageLink(
        emma_id, 0
    )

    # Wednesday 9 December: the birthday coupon goes on the day, although the generic two filled the cap
    sent_on_the_day = tick(engine, settings, datetime(2026, 12, 9, 7, 1, tzinfo=UTC))
    with unit_of_work(engine) as session:
        coupon_message = session.exec(
            select(Message).where(
                Message.member_id == ayse_id, Message.coupon_id.is_not(None), Message.category == "personal"
            )  # type: ignore[union-attr]
        ).one()
        assert coupon_message.id in sent_on_the_day and coupon_message.state == MessageState.sent
        code = coupon_message.context["coupon_code"]
        deferred = session.exec(
            select(MessageEvent).where(
                MessageEvent.message_id.in_([reminder_id, coupon_message.id]),  # type: ignore[attr-defined]
                MessageEvent.state == "deferred",
            )
        ).all()
        assert deferred == []  # personal messages were never deferred by the cap
    coupon_text = sms_text(outbox, coupon_message.id or 0)
    assert f"kodunuz: {code}, son gün 12 Aralık." in coupon_text and "kızınız Elif" in coupon_text
    print("\n--- SMS (tr) ---\n" + text + "\n--- coupon SMS (tr) ---\n" + coupon_text)
    print("--- e-mail (en) ---\nSubject: " + str(eml["Subject"]) + "\n" + plain)
    assert Decimal(coupon_message.context["offer_value"]) == Decimal("20")
