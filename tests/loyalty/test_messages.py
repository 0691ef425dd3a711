"""Messages: queueing once, jobs after commit, claim -> provider -> final state, crash recovery, callbacks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loyalty.cards.welcome import queue_card_welcome
from loyalty.core.db import unit_of_work
from loyalty.core.jobs import set_publisher
from loyalty.core.settings import Settings
from loyalty.coupons.issuing import issue_coupons
from loyalty.coupons.offers import Offer
from loyalty.delivery.claiming import prepare_send
from loyalty.delivery.outcomes import apply_provider_status
from loyalty.messaging.adapter import PermanentSendError, TransientSendError
from loyalty.messaging.claims import claim_due_messages, message_history, recover_stuck
from loyalty.messaging.outbox import cancel_pending
from loyalty.messaging.queue import COPY_FROM, MessageRow, queue
from loyalty.messaging.templates import render_message
from loyalty.messaging.twilio_webhooks import status_report
from loyalty.models.campaigns import Campaign, CampaignRun
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Channel, Member
from loyalty.models.messages import Category, Message, MessageEvent, MessageState
from loyalty.models.occasions import Occasion
from loyalty.occasions.reminders import queue_occasion_reminders
from loyalty.purchases.card_rule import CardRule
from loyalty.purchases.recording import record_purchase
from tests.builders import make_member, queue_run_messages
from workers.channels.doubles import RecordingChannel
from workers.channels.outbox import OutboxChannel
from workers.delivery import deliver, schedule_retry

DAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul: no quiet hours


@pytest.fixture
def published() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    sent: list[tuple[str, tuple[Any, ...]]] = []
    set_publisher(lambda name, args: sent.append((name, args)))
    yield sent
    set_publisher(None)


def _new(member: Member, key: str, **fields: Any) -> MessageRow:
    values: dict[str, Any] = {
        "purpose": "birthday_self",
        "category": Category.promotional,
        "context": {"occasion_on": "2026-12-01"},
    }
    values.update(fields)
    return MessageRow(
        member_id=member.id or 0, requested_channel=values.pop("channel", "sms"), dedupe_key=key, **values
    )


def _card(session: Session, member: Member) -> Card:
    card = Card(
        member_id=member.id or 0,
        number=f"9{member.id:014d}",
        holder_name=member.full_name,
        status=CardStatus.active,
    )
    session.add(card)
    session.flush()
    return card


def test_queueing_twice_makes_one_row_per_channel(session: Session) -> None:
    member = make_member(session)
    first = queue(session, [_new(member, "coupon:1"), _new(member, "coupon:1", channel="email")])
    again = queue(session, [_new(member, "coupon:1"), _new(member, "coupon:2")])
    assert len(first) == 2 and len(again) == 1
    rows = session.exec(select(Message).where(Message.member_id == member.id)).all()
    assert sorted((m.channel, m.dedupe_key) for m in rows) == [
        ("email", "coupon:1"),
        ("sms", "coupon:1"),
        ("sms", "coupon:2"),
    ]
    assert [e.state for e in message_history(session, first[0])] == ["queued"]


def test_a_large_batch_is_queued_once_with_its_history(session: Session) -> None:
    """Past COPY_FROM rows PostgreSQL stages the batch with COPY; both paths are idempotent per key."""

    member = make_member(session)
    batch = [_new(member, f"coupon:big-{n}", context={"n": n, "ad": "Ayşe"}) for n in range(COPY_FROM + 50)]
    ids = queue(session, batch[50:], now=DAY)
    assert len(ids) == len(set(ids)) == COPY_FROM
    again = queue(session, batch, now=DAY)  # 200 known keys and 50 new ones
    assert len(again) == 50 and not set(again) & set(ids)
    rows = session.exec(select(Message).where(Message.id.in_(ids + again))).all()  # type: ignore[union-attr]
    assert sorted(m.dedupe_key for m in rows) == sorted(m.dedupe_key for m in batch)
    by_key = {m.dedupe_key: m for m in rows}
    assert by_key["coupon:big-7"].context == {"n": 7, "ad": "Ayşe"}
    assert by_key["coupon:big-7"].not_before == DAY and by_key["coupon:big-7"].state == MessageState.queued
    events = session.exec(select(MessageEvent).where(MessageEvent.message_id.in_(ids + again))).all()  # type: ignore[attr-defined]
    assert len(events) == len(batch) and {(e.state, e.at) for e in events} == {("queued", DAY)}


def test_plain_rows_are_queued_once_with_their_history(session: Session) -> None:
    """The bulk path (campaign runs): all new rows go straight in; a batch with known keys is staged and
    only its new rows are inserted (on PostgreSQL after the direct COPY's savepoint is rolled back)."""

    member = make_member(session)

    def row(n: int, channel: str = "sms") -> MessageRow:
        return MessageRow(
            member_id=member.id,
            channel=channel,
            requested_channel="preferred",
            dedupe_key=f"coupon:row-{n}",
            purpose="holiday_coupon",
            category="promotional",
            locale="tr",
            context={"n": n, "ad": "Ayşe"},
            campaign_id=7,
            run_id=8,
            coupon_id=n,
            not_before=DAY,
            expires_at=DAY + timedelta(days=3),
        )

    first = [row(n) for n in range(300)]
    assert len(queue(session, first, now=DAY)) == 300
    more = [row(n) for n in range(250, 400)] + [row(5, "email")]  # 50 known keys, 101 new ones
    assert len(queue(session, more, now=DAY)) == 101
    assert queue(session, more, now=DAY) == []
    rows = session.exec(select(Message).where(Message.run_id == 8)).all()
    assert len(rows) == 401 == len({(m.channel, m.dedupe_key) for m in rows})
    by_key = {(m.channel, m.dedupe_key): m for m in rows}
    assert by_key[("sms", "coupon:row-7")].context == {"n": 7, "ad": "Ayşe"}
    assert by_key[("email", "coupon:row-5")].state == MessageState.queued
    assert by_key[("sms", "coupon:row-399")].expires_at == DAY + timedelta(days=3)
    events = session.exec(
        select(MessageEvent).where(MessageEvent.message_id.in_([m.id for m in rows]))  # type: ignore[attr-defined]
    ).all()
    assert sorted(e.message_id for e in events) == sorted(m.id for m in rows)
    assert {(e.state, e.at) for e in events} == {("queued", DAY)}


def test_card_welcome_job_reaches_the_broker_only_after_commit(
    committing_engine: Engine, published: list[tuple[str, tuple[Any, ...]]]
) -> None:
    with unit_of_work(committing_engine) as session:
        member = make_member(session, email="w@example.com", email_opt_in=True, preferred_channel="email")
        card = _card(session, member)
        assert queue_card_welcome(session, card.id or 0) == 1
        assert published == []  # nothing before the commit
        session.commit()
    assert len(published) == 1 and published[0][0] == "workers.send_message"
    with unit_of_work(committing_engine) as session:
        assert queue_card_welcome(session, card.id or 0) == 0  # once per card
        message = session.exec(select(Message).where(Message.card_id == card.id)).one()
        assert message.channel == "email" and message.category == "transactional"
        session.rollback()
    with unit_of_work(committing_engine) as session:
        other = make_member(session)
        queue_card_welcome(session, _card(session, other).id or 0)
        session.rollback()  # a rolled-back unit of work publishes nothing
    assert len(published) == 1


def test_delivery_claims_then_records_and_keeps_history(
    committing_engine: Engine, settings: Settings
) -> None:
    with unit_of_work(committing_engine) as session:
        member = make_member(session, full_name="Elif Demir")
        [message_id] = queue(session, [_new(member, "coupon:10")], now=DAY)
        session.commit()
    channel = RecordingChannel()
    outcome = deliver(
        message_id, engine=committing_engine, settings=settings, channel_for=lambda _: channel, now=DAY
    )
    assert outcome.status == "sent" and len(channel.sent) == 1
    assert channel.sent[0].to == member.phone and "Elif" in channel.sent[0].text
    # a duplicate job (redelivery, redispatch) finds nothing to do
    again = deliver(
        message_id, engine=committing_engine, settings=settings, channel_for=lambda _: channel, now=DAY
    )
    assert again.status == "skipped" and len(channel.sent) == 1
    with unit_of_work(committing_engine) as session:
        message = session.get(Message, message_id)
        assert message is not None and message.state == MessageState.sent and message.provider_id
        assert [e.state for e in message_history(session, message_id)] == ["queued", "sending", "sent"]


def test_transient_error_requeues_and_permanent_error_fails(
    committing_engine: Engine, settings: Settings
) -> None:
    with unit_of_work(committing_engine) as session:
        member = make_member(session)
        ids = queue(session, [_new(member, "coupon:20"), _new(member, "coupon:21")], now=DAY)
        session.commit()
    flaky = RecordingChannel(failures=[TransientSendError("twilio 503", code="503")])
    outcome = deliver(
        ids[0], engine=committing_engine, settings=settings, channel_for=lambda _: flaky, now=DAY
    )
    assert outcome.status == "retry" and isinstance(outcome.error, TransientSendError)
    retry_at = schedule_retry(committing_engine, ids[0], outcome.error, 30, now=DAY)
    with unit_of_work(committing_engine) as session:
        message = session.get(Message, ids[0])
        assert message is not None and message.state == MessageState.queued and message.not_before == retry_at
    outcome = deliver(
        ids[0], engine=committing_engine, settings=settings, channel_for=lambda _: flaky, now=retry_at
    )
    assert outcome.status == "sent" and len(flaky.sent) == 1

    invalid = RecordingChannel(failures=[PermanentSendError("21211", code="21211", effect="invalid_phone")])
    outcome = deliver(
        ids[1], engine=committing_engine, settings=settings, channel_for=lambda _: invalid, now=DAY
    )
    assert outcome.status == "failed"
    with unit_of_work(committing_engine) as session:
        message = session.get(Message, ids[1])
        assert message is not None and message.state == MessageState.failed and message.error_code == "21211"
        refreshed = session.get(Member, member.id)
        assert refreshed is not None and refreshed.phone_valid is False


@pytest.mark.parametrize("provider_accepted", [True, False])
def test_a_worker_dying_after_the_claim_is_recovered_without_a_second_send(
    committing_engine: Engine, settings: Settings, provider_accepted: bool
) -> None:
    with unit_of_work(committing_engine) as session:
        member = make_member(session)
        [message_id] = queue(session, [_new(member, "coupon:30")], now=DAY)
        session.commit()
    channel = RecordingChannel()
    with unit_of_work(committing_engine) as session:  # the worker claims ...
        out = prepare_send(session, message_id, DAY, settings)
        session.commit()
    assert out is not None
    if provider_accepted:
        channel.send(out)  # ... the provider accepts ... and the worker is SIGKILLed before recording it
    later = DAY + timedelta(seconds=settings.message_lease_seconds + 1)
    with unit_of_work(committing_engine) as session:
        assert recover_stuck(session, DAY) == []  # the lease still runs
        assert recover_stuck(session, later) == [message_id]
        session.commit()
    outcome = deliver(
        message_id, engine=committing_engine, settings=settings, channel_for=lambda _: channel, now=later
    )
    assert outcome.status == "sent"
    assert len(channel.sent) == 1 and channel.lookups == 1  # asked the provider first; sent at most once
    with unit_of_work(committing_engine) as session:
        states = [e.state for e in message_history(session, message_id)]
        assert states == ["queued", "sending", "queued", "sending", "sent"]


def test_claim_due_hands_out_due_rows_once_and_lost_jobs_again(session: Session) -> None:
    member = make_member(session)
    due = queue(session, [_new(member, "coupon:40"), _new(member, "coupon:41")], now=DAY)
    queue(session, [_new(member, "coupon:42", not_before=DAY + timedelta(days=3))], now=DAY)
    assert claim_due_messages(session, DAY, limit=10) == due
    assert claim_due_messages(session, DAY + timedelta(minutes=1), limit=10) == []
    # still queued 10 minutes later: the broker lost the job, hand it out again
    assert claim_due_messages(session, DAY + timedelta(minutes=11), limit=10) == due


def _report(session: Session, provider_id: str, status: str, message_id: int | None = None) -> bool:
    """A Twilio status callback as the webhook hands it over (mapped by the channel)."""
    state, effect = status_report(status, None)
    return apply_provider_status(
        session,
        provider_id=provider_id,
        state=state,
        provider_status=status,
        message_id=message_id,
        effect=effect,
    )


def test_provider_status_moves_forward_only(session: Session) -> None:
    member = make_member(session)
    [message_id] = queue(session, [_new(member, "coupon:50")], now=DAY)
    message = session.get(Message, message_id)
    assert message is not None
    message.state, message.provider_id = MessageState.sent, "SM50"
    session.add(message)
    session.flush()
    assert _report(session, "SM50", "delivered") is True
    assert _report(session, "SM50", "delivered") is False  # a repeat
    assert _report(session, "SM50", "sent") is False  # late and older
    session.refresh(message)
    assert message.state == MessageState.delivered and message.delivered_at is not None
    assert [e.state for e in message_history(session, message_id)].count("delivered") == 1
    assert _report(session, "SM-unknown", "delivered") is False


def test_status_callback_rescues_a_message_whose_worker_died(session: Session) -> None:
    member = make_member(session)
    [message_id] = queue(session, [_new(member, "coupon:51")], now=DAY)
    message = session.get(Message, message_id)
    assert message is not None
    message.state = MessageState.sending  # claimed; the provider accepted; the worker died before recording
    session.add(message)
    session.flush()
    assert _report(session, "SM51", "sent", message_id=message_id) is True
    session.refresh(message)
    assert message.state == MessageState.sent and message.provider_id == "SM51"


def test_cancel_pending_promotions_or_one_occasion(session: Session) -> None:
    member = make_member(session)
    promo, about, welcome = queue(
        session,
        [
            _new(member, "coupon:60"),
            _new(member, "occasion:7:2026-12-01", occasion_id=7),
            _new(member, "welcome:1", category=Category.transactional),
        ],
    )
    assert cancel_pending(session, member_id=member.id or 0, occasion_id=7, reason="occasion retired") == 1
    assert cancel_pending(session, member_id=member.id or 0, reason="paused") == 1
    states = {m.id: m.state for m in session.exec(select(Message).where(Message.member_id == member.id))}
    assert states == {promo: "cancelled", about: "cancelled", welcome: "queued"}


def test_outbox_writes_each_message_once_marked_not_sent(
    committing_engine: Engine, settings: Settings
) -> None:
    with unit_of_work(committing_engine) as session:
        member = make_member(session, email="o@example.com", email_opt_in=True)
        ids = queue(session, [_new(member, "coupon:70"), _new(member, "coupon:70", channel="email")], now=DAY)
        session.commit()
    for message_id in ids:
        outcome = deliver(
            message_id,
            engine=committing_engine,
            settings=settings,
            channel_for=lambda name: OutboxChannel(settings, name),
            now=DAY,
        )
        assert outcome.status == "sent"
    files = sorted(p.name for p in settings.outbox_dir.iterdir())
    assert files == [f"{ids[0]:08d}-sms.json", f"{ids[1]:08d}-email.eml"]
    sms = json.loads((settings.outbox_dir / files[0]).read_text())
    assert "NOT SENT" in sms["status"] and sms["to"] == member.phone
    raw = (settings.outbox_dir / files[1]).read_bytes()
    assert b"\nList-Unsubscribe: <http://testserver/u/" in raw  # one plain URL, not an encoded-word
    eml = BytesParser(policy=policy.default).parsebytes(raw)
    assert str(eml["X-Loyalty-Outbox"]).startswith("NOT SENT") and eml["To"] == "o@example.com"
    assert eml["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(eml["List-Unsubscribe"]).startswith("<http://testserver/u/")
    assert eml["Subject"] == "Doğum gününüz kutlu olsun, iyi ki doğdunuz!"
    assert eml.get_content_type() == "multipart/alternative"


@pytest.mark.postgres_only
def test_two_dispatchers_never_hand_out_the_same_rows(committing_engine: Engine) -> None:
    with unit_of_work(committing_engine) as session:
        member = make_member(session)
        queue(session, [_new(member, f"coupon:{900 + i}") for i in range(400)], now=DAY)
        session.commit()
    results: list[list[int]] = []
    barrier = threading.Barrier(4)

    def dispatcher() -> None:
        barrier.wait()
        mine: list[int] = []
        while True:
            with unit_of_work(committing_engine) as session:
                ids = claim_due_messages(session, DAY, limit=25)
                session.commit()
            if not ids:
                break
            mine += ids
        results.append(mine)

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [i for r in results for i in r]
    assert len(everything) == 400 and len(set(everything)) == 400


def _campaign_run(session: Session, **fields: Any) -> tuple[Any, Any]:

    values: dict[str, Any] = {
        "name": "Doğum günü",
        "trigger_type": "occasion",
        "offer_kind": "percent",
        "offer_value": Decimal("15"),
        "channel": "preferred",
        "created_by": "user:mira",
        "days_before": 0,
        "occasion_kinds": ["birthday", "new_job"],
    }
    values.update(fields)
    campaign = Campaign(**values)
    session.add(campaign)
    session.flush()
    run = CampaignRun(
        campaign_id=campaign.id or 0,
        run_key="2026-12-01",
        send_date=date(2026, 12, 1),
        send_time="10:00",
        issue_at=datetime(2026, 11, 30, 20, 0, tzinfo=UTC),
    )
    session.add(run)
    session.flush()
    return campaign, run


def _occasion(session: Session, member: Member, kind: str, for_whom: str = "self", **fields: Any) -> Any:
    occasion = Occasion(
        member_id=member.id or 0,
        kind=kind,
        for_whom=for_whom,
        purpose=fields.pop("purpose", "pasta"),
        month=fields.pop("month", 12),
        day=fields.pop("day", 1),
        recurrence=fields.pop("recurrence", "yearly"),
        stated_by="member",
        **fields,
    )
    session.add(occasion)
    session.flush()
    return occasion


def test_campaign_messages_one_per_coupon_naming_the_occasion(session: Session) -> None:
    campaign, run = _campaign_run(session)
    ayse = make_member(session, full_name="Ayşe Kaya")
    john = make_member(session, full_name="John Smith", locale="en", timezone="Europe/London")
    _occasion(session, ayse, "birthday", "daughter", relation_name="Elif", purpose="çikolatalı pasta sever")
    _occasion(session, john, "new_job", purpose="first day at the bank", recurrence="once", year=2026)
    valid_from = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    issued = issue_coupons(
        session,
        campaign_id=campaign.id,
        run_id=run.id,
        members=[
            (ayse.id, valid_from, valid_from + timedelta(days=14)),
            (john.id, valid_from + timedelta(hours=3), valid_from + timedelta(days=14)),
        ],
        offer=Offer(kind="percent", value=Decimal("15"), valid_days=14, currency="TRY"),
    )
    assert issued == 2
    assert queue_run_messages(session, run.id, run.issue_at) == 2
    assert queue_run_messages(session, run.id, run.issue_at) == 0  # a retried run queues nothing twice
    messages = {m.member_id: m for m in session.exec(select(Message).where(Message.run_id == run.id))}
    mine, his = messages[ayse.id], messages[john.id]
    assert mine.purpose == "birthday_relative" and his.purpose == "once_congrats"
    assert mine.not_before == valid_from and his.not_before == valid_from + timedelta(hours=3)
    # an occasion's coupon is personal (before generic promotions) and tied to the occasion's day
    assert mine.expires_at == valid_from + timedelta(days=14) and mine.category == "personal"
    assert mine.send_by == datetime(2026, 12, 1, 21, 0, tzinfo=UTC)  # the end of 1 December in Istanbul
    # the shop speaks to the member: "kızınız Elif", never the member's own "kızım Elif"
    assert (
        mine.context["for_whom_label"] == "kızınız Elif"
        and mine.context["purpose"] == "çikolatalı pasta sever"
    )
    assert mine.context["offer_kind"] == "percent" and mine.context["coupon_code"].count("-") == 2

    text = render_message(
        mine.purpose,
        mine.locale,
        "sms",
        {**mine.context, "first_name": "Ayşe", "shop_name": "Köşe", "currency": "TRY", "opt_out": "RET"}
        | {"member_page_url": "m"},
    ).text
    assert (
        "kızınız Elif'in doğum günü" in text
        and "çikolatalı pasta sever" in text
        and "%15" in text
        and "son gün 15 Aralık" in text
    )
    english = render_message(
        his.purpose,
        his.locale,
        "email",
        {**his.context, "first_name": "John", "shop_name": "Köşe", "unsubscribe_url": "u", "currency": "TRY"}
        | {"member_page_url": "m"},
    )
    assert "new job" in english.subject and "first day at the bank" in english.text and "15%" in english.text


def test_campaign_messages_resolve_preferred_and_a_retry_after_a_consent_change_adds_none(
    session: Session,
) -> None:
    campaign, run = _campaign_run(session, trigger_type="date", occasion_kinds=None)
    by_sms = make_member(session, email="s@example.com", email_opt_in=True)
    by_email = make_member(session, email="e@example.com", email_opt_in=True, preferred_channel="email")
    email_refused = make_member(session, email="r@example.com", preferred_channel="email")
    valid_from = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    members = [by_sms, by_email, email_refused]
    issue_coupons(
        session,
        campaign_id=campaign.id,
        run_id=run.id,
        members=[(m.id, valid_from, valid_from + timedelta(days=7)) for m in members],
        offer=Offer(kind="percent", value=Decimal("15"), valid_days=7, currency="TRY"),
    )
    assert queue_run_messages(session, run.id, run.issue_at) == 3
    sent = session.exec(select(Message).where(Message.run_id == run.id)).all()
    assert {(m.member_id, m.channel, m.requested_channel) for m in sent} == {
        (by_sms.id, "sms", "preferred"),
        (by_email.id, "email", "preferred"),
        (email_refused.id, "sms", "preferred"),  # preferred e-mail without consent: the other channel
    }
    by_sms.preferred_channel = Channel.email  # now "preferred" resolves to e-mail: still no second message
    session.add(by_sms)
    session.flush()
    assert queue_run_messages(session, run.id, run.issue_at) == 0
    assert len(session.exec(select(Message).where(Message.run_id == run.id)).all()) == 3


def test_occasion_reminders_ahead_of_yearly_and_one_off_days(session: Session) -> None:
    now = datetime(2026, 11, 28, 0, 30, tzinfo=UTC)  # 03:30 on Nov 28 in Istanbul
    member = make_member(session, full_name="Deniz Ak")
    paused = make_member(session, paused=True)
    _occasion(session, member, "birthday", "spouse", purpose="sürpriz parti", remind_days_before=3)
    _occasion(
        session,
        member,
        "graduation",
        "son",
        purpose="mezuniyet",
        recurrence="once",
        year=2026,
        day=1,
        month=12,
        remind_days_before=3,  # issue 19: a one-off honours it like a yearly one
    )
    _occasion(session, paused, "birthday", remind_days_before=3)
    assert queue_occasion_reminders(session, now) == 2
    assert queue_occasion_reminders(session, now) == 0
    rows = session.exec(select(Message).where(Message.member_id.in_([member.id, paused.id]))).all()  # type: ignore[union-attr]
    by_purpose = {m.purpose: m for m in rows}
    assert set(by_purpose) == {"birthday_relative", "once_congrats"}
    reminder = by_purpose["birthday_relative"]
    assert reminder.dedupe_key.endswith(":2026-12-01") and reminder.context["occasion_on"] == "2026-12-01"
    assert reminder.not_before == datetime(2026, 11, 28, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul
    assert reminder.expires_at == datetime(2026, 12, 1, 21, 0, tzinfo=UTC)  # the end of the day itself
    assert reminder.context["days_until"] == 3 and reminder.context["on_the_day"] is False
    assert by_purpose["once_congrats"].dedupe_key.endswith(":2026-12-01")


def test_a_card_earned_at_the_counter_sends_its_welcome_with_the_pdf(
    committing_engine: Engine, settings: Settings, published: list[tuple[str, tuple[Any, ...]]]
) -> None:
    with unit_of_work(committing_engine) as session:
        member = make_member(
            session,
            full_name="Zeynep Ak",
            email="z@example.com",
            email_opt_in=True,
            preferred_channel="email",
        )
        session.commit()
    rule = CardRule(visits_needed=3, window_days=180)
    for n in range(3):
        with unit_of_work(committing_engine) as session:
            outcome = record_purchase(
                session,
                member.id or 0,
                Decimal("120.00"),
                f"R-welcome-{n}",
                occurred_at=DAY - timedelta(days=2 - n),  # three visits
                rule=rule,
                now=DAY,
            )
            session.commit()
    assert outcome.card_issued and [name for name, _ in published] == ["workers.send_message"]
    [(_, (message_id,))] = published
    result = deliver(
        message_id,
        engine=committing_engine,
        settings=settings,
        channel_for=lambda name: OutboxChannel(settings, name),
        now=DAY,
    )
    assert result.status == "sent"
    [eml_path] = settings.outbox_dir.glob("*.eml")
    eml = BytesParser(policy=policy.default).parsebytes(eml_path.read_bytes())
    assert eml["Subject"] == "Zeynep, Köşe Kahvecisi kartınız hazır"
    [pdf] = list(eml.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF")
    assert outcome.card is not None and outcome.card.number in eml.get_body(("plain",)).get_content()  # type: ignore[union-attr]
