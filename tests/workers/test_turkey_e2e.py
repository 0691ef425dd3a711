"""Issue 21's done-when, through a real Celery worker on Redis, on both databases: a promotional campaign
to +90, +49 and +1 members goes to Turkey through the gateway fake (header, İYS filter, Turkish encoding)
and elsewhere through the Twilio fake; a card welcome to +90 goes unfiltered; a refusal made at the İYS
fake cancels that member's queued promotion and appears in the ledger; a consent given at the counter
reaches the İYS fake once although the fake failed the first two tries."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from loyalty.core.clock import utcnow
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.members.consent import record_consent
from loyalty.messaging.queue import MessageRow
from loyalty.messaging.queue import queue as queue_rows
from loyalty.models.members import Member
from loyalty.models.messages import Category
from tests.workers.celery_support import Workers, add_members, date_campaign, scalar, until
from tests.workers.iys_fake import FakeIysServer
from tests.workers.netgsm_fake import FakeNetgsmServer
from tests.workers.twilio_fake import FakeTwilioServer
from workers.app import make_app

pytestmark = [pytest.mark.celery]

TR_PROMO, TR_REFUSES, TR_WELCOME, TR_COUNTER = (
    "+905321230001",
    "+905321230002",
    "+905321230005",
    "+905321230006",
)
DE, US = "+4915112345678", "+12025550123"


@pytest.fixture
def turkey_env(
    worker_env: dict[str, str],
    netgsm: FakeNetgsmServer,
    iys: FakeIysServer,
) -> dict[str, str]:
    worker_env.update(
        {
            "LOYALTY_SMS_ROUTES": "+90=netgsm,*=twilio",
            "LOYALTY_NETGSM_URL": netgsm.url,
            "LOYALTY_NETGSM_USERCODE": netgsm.fake.usercode,
            "LOYALTY_NETGSM_PASSWORD": netgsm.fake.password,
            "LOYALTY_NETGSM_HEADER": "KOSEKAHVE",
            "LOYALTY_IYS_URL": iys.url,
            "LOYALTY_IYS_CODE": iys.fake.iys_code,
            "LOYALTY_IYS_BRAND_CODE": iys.fake.brand_code,
            "LOYALTY_IYS_USERNAME": iys.fake.username,
            "LOYALTY_IYS_PASSWORD": iys.fake.password,
            "LOYALTY_IYS_SYNC_MINUTES": "1",
            "LOYALTY_IYS_RETRY_SECONDS": "1",
            "LOYALTY_SEND_BATCH": "50",
        }
    )
    return worker_env


def _wait(what: Callable[[], bool], tick: Callable[[], None], group: Workers, timeout: float = 90) -> None:
    until(what, tick, group, timeout=timeout, every=1.0)


def test_turkish_numbers_go_through_the_gateway_lawfully_and_iys_works_both_ways(
    committing_engine: Engine,
    workers: Workers,
    twilio: FakeTwilioServer,
    netgsm: FakeNetgsmServer,
    iys: FakeIysServer,
    turkey_env: dict[str, str],
) -> None:
    add_members(
        committing_engine,
        [
            {"full_name": "Ayşe Yılmaz", "phone": TR_PROMO},
            {"full_name": "Rana Ret", "phone": TR_REFUSES},
            {"full_name": "Kaan Kart", "phone": TR_WELCOME},
            {"full_name": "Jonas Weber", "phone": DE, "locale": "en"},
            {"full_name": "Mary Smith", "phone": US, "locale": "en"},
        ],
    )
    netgsm.fake.consent |= {n.lstrip("+") for n in (TR_PROMO, TR_WELCOME, TR_COUNTER)}
    with unit_of_work(committing_engine) as session:
        ids = dict(session.execute(sa.select(Member.phone, Member.id)).all())  # type: ignore[call-overload]
        counter = Member(full_name="Can Kasa", name_search="can kasa", phone=TR_COUNTER)
        record_consent(session, counter, "sms", True, source="counter", actor="user:ali")
        counter_id = counter.id
        later = utcnow() + timedelta(hours=3)
        [waiting, welcome] = queue_rows(
            session,
            [
                MessageRow(
                    member_id=ids[TR_REFUSES],
                    requested_channel="sms",
                    dedupe_key="later-promo",
                    purpose="holiday_coupon",
                    category=Category.promotional,
                    context={},
                    not_before=later,
                ),
                MessageRow(
                    member_id=ids[TR_WELCOME],
                    requested_channel="sms",
                    dedupe_key="welcome",
                    purpose="card_welcome",
                    category=Category.transactional,
                    context={"card_number": "6001000000000017"},
                ),
            ],
        )
        session.commit()
    iys.fake.refuse_at_iys(TR_REFUSES, (utcnow() + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S"))
    iys.fake.script.extend([("http", 500), ("http", 503)])
    workers.start("w1")
    app = make_app(
        Settings(
            env="test",
            broker_url=turkey_env["LOYALTY_BROKER_URL"],
            celery_queue=turkey_env["LOYALTY_CELERY_QUEUE"],
            secret_key="x" * 32,
        )
    )

    # İYS both ways, by the worker's own sync task
    _wait(lambda: len(iys.fake.consents) == 1, lambda: app.send_task("workers.iys_sync"), workers)
    _wait(
        lambda: (
            scalar(committing_engine, "SELECT state FROM messages WHERE id = :i", i=waiting) == "cancelled"
        ),
        lambda: app.send_task("workers.iys_sync"),
        workers,
    )
    time.sleep(2.0)
    app.send_task("workers.iys_sync")
    time.sleep(2.0)
    assert iys.fake.uploads == 3 and len(iys.fake.consents) == 1  # failed twice, then once, never again
    assert iys.fake.consents[0]["recipient"] == TR_COUNTER and iys.fake.consents[0]["status"] == "ONAY"
    assert "transactionId" in str(
        scalar(committing_engine, "SELECT iys_answer FROM consent_events WHERE member_id = :m", m=counter_id)
    )
    refusal = scalar(
        committing_engine,
        "SELECT actor || ':' || source || ':' || iys_source FROM consent_events WHERE member_id = :m",
        m=ids[TR_REFUSES],
    )
    assert refusal == "iys:iys:IYS_MOBIL"

    # the campaign and the welcome, through the dispatcher and the worker's sends
    campaign_id = date_campaign(committing_engine, "Yılbaşı")
    expected = {TR_PROMO, TR_WELCOME, TR_COUNTER, DE, US}

    def sent() -> bool:
        done = scalar(
            committing_engine,
            "SELECT count(*) FROM messages WHERE campaign_id = :c AND state = 'sent'",
            c=campaign_id,
        )
        welcome_state = scalar(committing_engine, "SELECT state FROM messages WHERE id = :i", i=welcome)
        return done == len(expected) and welcome_state == "sent"

    _wait(sent, lambda: app.send_task("workers.dispatch_due"), workers, timeout=120)
    assert {r["to"] for r in twilio.fake.accepted} == {DE, US}
    commercial = [m for b in netgsm.fake.requests if b["iysfilter"] == "11" for m in b["messages"]]
    assert sorted(m["no"] for m in commercial) == sorted(
        n.lstrip("+") for n in (TR_PROMO, TR_WELCOME, TR_COUNTER)
    )
    assert all(b["msgheader"] == "KOSEKAHVE" and b["encoding"] == "TR" for b in netgsm.fake.requests)
    [informational] = [b for b in netgsm.fake.requests if b["iysfilter"] == "0"]
    assert informational["messages"][0]["no"] == TR_WELCOME.lstrip("+")
    assert "kartınız hazır" in informational["messages"][0]["msg"]
    assert not [b for b in netgsm.fake.requests if TR_REFUSES.lstrip("+") in str(b)]  # refused: nothing
