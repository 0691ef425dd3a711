"""İYS both ways against a local server speaking İYS's consent API: consent changes go up once, with
retries, İYS's answer kept on the ledger row; refusals made at İYS come back, cancel queued commercial
messages and are never overwritten by an older consent; a stuck sync is reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.members.consent import record_consent
from loyalty.members.iys_sync import STUCK, sync_problem, sync_state
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.members import Channel, ConsentEvent, IysSource, Member
from loyalty.models.messages import Category, Message, MessageState
from tests.builders import make_member
from tests.workers.iys_fake import FakeIysServer
from workers.iys import IysClient, pull, push, sync

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul


@pytest.fixture
def iys_settings(settings: Settings, iys: FakeIysServer) -> Settings:
    return settings.model_copy(
        update={
            "iys_url": iys.url,
            "iys_code": iys.fake.iys_code,
            "iys_brand_code": iys.fake.brand_code,
            "iys_username": iys.fake.username,
            "iys_password": iys.fake.password,
            "iys_timeout": 2.0,
        }
    )


def _counter_member(engine: Engine, phone: str = "+905321119901") -> int:
    with unit_of_work(engine) as session:
        member = make_member(session, phone=phone, sms=False)
        record_consent(session, member, Channel.sms, True, source="counter", actor="user:ali", now=NOW)
        session.commit()
        return member.id or 0


def _rows(engine: Engine, member_id: int) -> list[ConsentEvent]:
    with unit_of_work(engine) as session:
        rows = session.exec(
            select(ConsentEvent).where(ConsentEvent.member_id == member_id).order_by(ConsentEvent.id)  # type: ignore[arg-type]
        ).all()
        session.expunge_all()
        return list(rows)


def test_a_counter_consent_reaches_iys_once_even_after_two_failures(
    committing_engine: Engine, iys_settings: Settings, iys: FakeIysServer
) -> None:
    member_id = _counter_member(committing_engine)
    iys.fake.script.extend([("http", 500), ("http", 503)])
    client = IysClient(iys_settings)
    assert push(committing_engine, client, iys_settings, NOW) == {"sent": 0, "retry": 1, "failed": 0}
    [row] = _rows(committing_engine, member_id)
    assert row.iys_state == "pending" and row.iys_attempts == 1 and "HTTP 500" in (row.iys_answer or "")
    assert row.iys_next_at is not None and row.iys_next_at > NOW
    # not due yet: nothing goes up
    assert push(committing_engine, client, iys_settings, NOW + timedelta(seconds=5))["retry"] == 0
    assert push(committing_engine, client, iys_settings, row.iys_next_at)["retry"] == 1
    [row] = _rows(committing_engine, member_id)
    assert row.iys_attempts == 2 and row.iys_next_at is not None
    assert row.iys_next_at - NOW < timedelta(minutes=15)  # the retries stay inside the 15 minutes
    assert push(committing_engine, client, iys_settings, row.iys_next_at)["sent"] == 1
    assert push(committing_engine, client, iys_settings, row.iys_next_at + timedelta(hours=1))["sent"] == 0
    assert iys.fake.uploads == 3
    [consent] = iys.fake.consents
    assert {k: v for k, v in consent.items() if k != "transactionId"} == {
        "type": "MESAJ",
        "source": "HS_FIZIKSEL_ORTAM",
        "recipient": "+905321119901",
        "recipientType": "BIREYSEL",
        "status": "ONAY",
        "consentDate": "2026-12-07 12:00:00",  # Turkish time
    }
    [row] = _rows(committing_engine, member_id)
    assert row.iys_state == "sent" and row.iys_attempts == 3
    assert json.loads(row.iys_answer or "{}")["transactionId"] == consent["transactionId"]


def test_iys_refusing_a_consent_fails_the_row_with_its_answer(
    committing_engine: Engine, iys_settings: Settings, iys: FakeIysServer
) -> None:
    member_id = _counter_member(committing_engine)
    iys.fake.script.append(("http", 422))
    push(committing_engine, IysClient(iys_settings), iys_settings, NOW)
    [row] = _rows(committing_engine, member_id)
    assert row.iys_state == "failed" and "HTTP 422" in (row.iys_answer or "")
    with unit_of_work(committing_engine) as session:
        state = sync_state(session)
    assert state.failed == 1 and state.pending == 0 and "HTTP 422" in (state.last_error or "")


def _queue(engine: Engine, member_id: int, purpose: str, category: Category) -> int:
    with unit_of_work(engine) as session:
        [message_id] = queue(
            session,
            [
                MessageRow(
                    member_id=member_id,
                    requested_channel="sms",
                    dedupe_key=f"{purpose}:{member_id}",
                    purpose=purpose,
                    category=category,
                    context={},
                )
            ],
        )
        session.commit()
        return message_id


def test_a_refusal_at_iys_comes_back_cancels_queued_promotions_and_outlives_older_consents(
    committing_engine: Engine, iys_settings: Settings, iys: FakeIysServer
) -> None:
    member_id = _counter_member(committing_engine, "+905321119902")
    promotion = _queue(committing_engine, member_id, "holiday_coupon", Category.promotional)
    welcome = _queue(committing_engine, member_id, "card_welcome", Category.transactional)
    iys.fake.refuse_at_iys("+905321119902", "2026-12-07 12:30:00")
    iys.fake.refuse_at_iys("+905329999999", "2026-12-07 12:31:00")  # not a member here
    client = IysClient(iys_settings)
    later = NOW + timedelta(hours=1)
    assert pull(committing_engine, client, iys_settings, later) == {"applied": 1, "unknown": 1}
    assert pull(committing_engine, client, iys_settings, later) == {}  # the cursor moved on
    with unit_of_work(committing_engine) as session:
        member = session.get(Member, member_id)
        assert member is not None and member.sms_opt_in is False
        states = {m.id: m.state for m in session.exec(select(Message).where(Message.member_id == member_id))}
    assert states == {promotion: MessageState.cancelled, welcome: MessageState.queued}
    refusal = _rows(committing_engine, member_id)[-1]
    assert (refusal.granted, refusal.source, refusal.actor) == (False, "iys", "iys")
    assert refusal.iys_source == IysSource.IYS_MOBIL and refusal.iys_state == "skipped"
    assert refusal.consent_at == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    # an older consent (an import with evidence from before the refusal) never overwrites it
    with unit_of_work(committing_engine) as session:
        member = session.get(Member, member_id)
        assert member is not None
        old = record_consent(
            session,
            member,
            Channel.sms,
            True,
            source="counter",
            actor="user:ali",
            now=later,
            consent_at=datetime(2026, 12, 7, 9, 10, tzinfo=UTC),
        )
        assert old is None and member.sms_opt_in is False
        # the member's own newer word at the counter does count
        assert record_consent(
            session, member, Channel.sms, True, source="counter", actor="user:ali", now=later
        )
        session.commit()
    # and İYS repeating its older refusal afterwards changes nothing
    iys.fake.refuse_at_iys("+905321119902", "2026-12-07 12:30:00")
    assert pull(committing_engine, client, iys_settings, later + timedelta(minutes=5)) == {"older": 1}


def test_sync_pulls_every_few_minutes_and_a_stuck_sync_is_reported(
    committing_engine: Engine, iys_settings: Settings, iys: FakeIysServer
) -> None:
    client = IysClient(iys_settings)
    assert "pull" in sync(committing_engine, client, iys_settings, NOW)
    assert "pull" not in sync(committing_engine, client, iys_settings, NOW + timedelta(minutes=1))
    assert "pull" in sync(committing_engine, client, iys_settings, NOW + timedelta(minutes=5))
    every = timedelta(minutes=iys_settings.iys_sync_minutes)
    with unit_of_work(committing_engine) as session:
        assert sync_problem(sync_state(session), NOW + timedelta(minutes=6), every) is None
        stale = sync_problem(sync_state(session), NOW + timedelta(minutes=25), every)
    assert stale == "refusals made at İYS have not been pulled for over 15 minutes"
    _counter_member(committing_engine, "+905321119903")  # recorded at NOW, İYS down from now on
    iys.fake.script.extend([("http", 500)] * 10)
    sync(committing_engine, client, iys_settings, NOW + timedelta(minutes=6))
    with unit_of_work(committing_engine) as session:
        problem = sync_problem(sync_state(session), NOW + STUCK + timedelta(minutes=1), every)
    assert problem is not None and problem.startswith("1 consent changes wait for İYS, the oldest for 16 min")
    assert "HTTP 500" in problem


def test_admin_and_readyz_show_the_sync(
    session: Session, iys_settings: Settings, settings: Settings, admin: dict[str, str], client: TestClient
) -> None:
    member = make_member(session, phone="+905321119904", sms=False)
    record_consent(
        session,
        member,
        Channel.sms,
        True,
        source="counter",
        actor="user:ali",
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    session.flush()
    answer = client.get("/api/v1/consent/iys/sync", headers=admin).json()
    assert answer["configured"] is False and answer["pending"] == 1 and answer["problem"] is None
    assert "iys" not in client.get("/readyz").json()
    client.app.state.settings = iys_settings  # type: ignore[attr-defined]
    answer = client.get("/api/v1/consent/iys/sync", headers=admin).json()
    assert answer["configured"] is True and answer["problem"].startswith("1 consent changes wait for İYS")
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["iys"].startswith("1 consent changes wait for İYS")


def test_an_erased_members_rows_are_not_left_waiting(
    committing_engine: Engine, iys_settings: Settings, iys: FakeIysServer
) -> None:
    member_id = _counter_member(committing_engine, "+905321119905")
    with unit_of_work(committing_engine) as session:
        member = session.get(Member, member_id)
        assert member is not None
        member.erased_at, member.phone = NOW, "erased-1"
        session.commit()
    push(committing_engine, IysClient(iys_settings), iys_settings, NOW)
    [row] = _rows(committing_engine, member_id)
    assert (row.iys_state, row.iys_answer) == ("skipped", "member erased") and iys.fake.uploads == 0
    with unit_of_work(committing_engine) as session:
        assert sync_state(session).pending == 0
