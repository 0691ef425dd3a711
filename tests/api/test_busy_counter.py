"""A busy shop on the real app: real threads, real commits, a database file (and PostgreSQL).

Every case here answered 500 ("database is locked") on SQLite while transactions opened with a deferred
BEGIN; writers now open with BEGIN IMMEDIATE and wait their turn on the busy timeout.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from twilio.request_validator import RequestValidator

from api.main import create_app
from loyalty.core import jobs
from loyalty.core.clock import utcnow
from loyalty.core.settings import Settings
from loyalty.core.tokens import access_token
from loyalty.models.cards import Card
from loyalty.models.coupons import Coupon, CouponStatus
from loyalty.models.members import ConsentEvent, Member
from loyalty.models.purchases import Purchase
from tests.builders import make_coupon, make_member, make_user
from tests.live_server import serve

TWILIO_TOKEN = "twilio-token-busy-counter"


@dataclass
class Shop:
    base: str
    headers: dict[str, str]
    settings: Settings
    engine: Engine


@pytest.fixture
def shop(committing_engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    monkeypatch.setattr(jobs, "_publisher", None)  # no broker here: the dispatcher would find the rows
    with Session(committing_engine) as session:
        user = make_user(session, role="staff")
        session.commit()
        session.refresh(user)
        token = access_token(settings, user.id or 0, str(user.role), user.token_version, utcnow())
    app = create_app(settings)
    with serve(app) as base:
        live = settings.model_copy(update={"public_base_url": base, "twilio_auth_token": TWILIO_TOKEN})
        app.state.settings = live
        yield Shop(base, {"Authorization": f"Bearer {token}"}, live, committing_engine)


def together(n: int, action: Callable[[int, httpx.Client], httpx.Response]) -> list[httpx.Response]:
    """Run ``action`` from ``n`` threads released at the same moment, each with its own connection."""
    barrier = threading.Barrier(n)

    def one(i: int) -> httpx.Response:
        with httpx.Client(timeout=120) as client:
            barrier.wait(30)
            return action(i, client)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def no_server_errors(responses: list[httpx.Response]) -> Counter[int]:
    codes = Counter(r.status_code for r in responses)
    errors = [r.text for r in responses if r.status_code >= 500]
    assert not errors, (codes, errors[:3])
    return codes


def make_members(engine: Engine, n: int) -> list[int]:
    with Session(engine) as session:
        ids = [make_member(session, f"Üye {i}").id or 0 for i in range(n)]
        session.commit()
    return ids


def _days_ago(days: int) -> str:
    """A purchase time ``days`` local days back (distinct days are distinct visits toward the card)."""
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def test_eight_tills_record_fifty_purchases_each(shop: Shop) -> None:
    tills, per_till = 8, 50
    members = make_members(shop.engine, 16)

    def till(i: int, client: httpx.Client) -> list[httpx.Response]:
        return [
            client.post(
                f"{shop.base}/api/v1/members/{members[(i + k) % len(members)]}/purchases",
                json={"amount": "12.50", "receipt_id": f"T{i}-{k}", "occurred_at": _days_ago(k)},
                headers=shop.headers,
            )
            for k in range(per_till)
        ]

    barrier = threading.Barrier(tills)

    def run(i: int) -> list[httpx.Response]:
        with httpx.Client(timeout=120) as client:
            barrier.wait(30)
            return till(i, client)

    with ThreadPoolExecutor(tills) as pool:
        responses = [r for batch in pool.map(run, range(tills)) for r in batch]
    codes = no_server_errors(responses)
    assert codes == {201: tills * per_till}, codes
    with Session(shop.engine) as session:
        assert session.exec(select(func.count()).select_from(Purchase)).one() == tills * per_till
        cards = session.exec(select(Card.member_id, func.count()).group_by(Card.member_id)).all()
    # every member made 25 purchases on several days (visits): each earned exactly one card, whatever the
    # interleaving
    assert sorted(cards) == sorted((m, 1) for m in members)
    assert sum(r.json()["card_issued"] for r in responses) == len(members)


def test_one_receipt_posted_from_eight_tills_is_recorded_once(shop: Shop) -> None:
    [member] = make_members(shop.engine, 1)
    url = f"{shop.base}/api/v1/members/{member}/purchases"
    responses = together(
        8, lambda _i, c: c.post(url, json={"amount": "40.00", "receipt_id": "R-same"}, headers=shop.headers)
    )
    codes = no_server_errors(responses)
    assert codes == {201: 1, 200: 7}, codes
    assert len({r.json()["purchase"]["id"] for r in responses}) == 1
    with Session(shop.engine) as session:
        assert session.exec(select(func.count()).select_from(Purchase)).one() == 1


def test_fifty_tills_redeem_one_coupon_once(shop: Shop) -> None:
    with Session(shop.engine) as session:
        coupon = make_coupon(session, make_member(session))
        session.commit()
        code, coupon_id = coupon.code, coupon.id
    url = f"{shop.base}/api/v1/coupons/{code}/redeem"
    responses = together(50, lambda _i, c: c.post(url, headers=shop.headers))
    codes = no_server_errors(responses)
    assert codes == {200: 1, 409: 49}, codes
    with Session(shop.engine) as session:
        stored = session.get(Coupon, coupon_id)
        assert stored is not None and stored.status == CouponStatus.redeemed


def test_one_phone_registered_from_two_tills(shop: Shop) -> None:
    url = f"{shop.base}/api/v1/members"

    def register(i: int, client: httpx.Client) -> httpx.Response:
        body: dict[str, Any] = {"full_name": f"Kişi {i}", "phone": "0532 987 65 43", "consent": {"sms": True}}
        return client.post(url, json=body, headers=shop.headers)

    responses = together(2, register)
    codes = no_server_errors(responses)
    assert codes == {201: 1, 409: 1}, codes
    with Session(shop.engine) as session:
        assert session.exec(select(func.count()).select_from(Member)).one() == 1


def test_a_signed_stop_during_another_write_is_recorded(shop: Shop) -> None:
    with Session(shop.engine) as session:
        member = make_member(session, sms=True)
        session.commit()
        member_id, phone = member.id, member.phone
    path = "/api/v1/webhooks/twilio/inbound"
    form = {"From": phone, "Body": "STOP", "MessageSid": "SM-busy-stop"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(shop.base + path, form)
    writing, done = threading.Event(), threading.Event()

    def long_write() -> None:
        """Another till's transaction: it has written and holds the write lock (and the row) a while."""
        with Session(shop.engine) as session:
            row = session.get(Member, member_id)
            assert row is not None
            row.full_name = "Ayşe Yılmaz-Kaya"
            session.add(row)
            session.flush()
            writing.set()
            done.wait(1.5)  # the webhook arrives meanwhile and must wait its turn
            session.commit()

    writer = threading.Thread(target=long_write)
    writer.start()
    assert writing.wait(30)
    response = httpx.post(shop.base + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=120)
    done.set()
    writer.join(30)
    assert response.status_code == 200, response.text
    with Session(shop.engine) as session:
        stored = session.get(Member, member_id)
        assert stored is not None
        assert stored.sms_opt_in is False and stored.full_name == "Ayşe Yılmaz-Kaya"
        events = session.exec(select(ConsentEvent).where(ConsentEvent.member_id == member_id)).all()
        assert [(e.granted, e.source) for e in events] == [(False, "sms keyword")]


def test_a_webhook_waiting_for_a_lock_does_not_stall_other_requests(shop: Shop) -> None:
    """The webhook routes use the synchronous session: they run in the thread pool, so while one waits
    for another till's lock, the server still answers everyone else (they were ``async def``: a 5 s lock
    stalled the whole API)."""
    with Session(shop.engine) as session:
        member = make_member(session, sms=True)
        session.commit()
        member_id, phone = member.id, member.phone
    path = "/api/v1/webhooks/twilio/inbound"
    form = {"From": phone, "Body": "STOP", "MessageSid": "SM-stall"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(shop.base + path, form)
    locked, release = threading.Event(), threading.Event()
    answers: list[httpx.Response] = []

    def hold_the_row() -> None:
        with Session(shop.engine) as session:
            row = session.get(Member, member_id)
            assert row is not None
            row.full_name = "Kilitli Üye"
            session.add(row)
            session.flush()  # SQLite: the write lock; PostgreSQL: the member's row lock
            locked.set()
            release.wait(60)
            session.commit()

    def webhook() -> None:
        answers.append(
            httpx.post(shop.base + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=120)
        )

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    assert locked.wait(30)
    sender = threading.Thread(target=webhook)
    sender.start()
    sender.join(1.0)  # give the webhook time to reach the lock
    others = [httpx.get(f"{shop.base}/api/v1/members/{member_id}", headers=shop.headers, timeout=30)]
    others.append(httpx.get(f"{shop.base}/api/v1/auth/me", headers=shop.headers, timeout=30))
    assert [r.status_code for r in others] == [200, 200]
    assert sender.is_alive() and answers == []  # the webhook is still waiting for the lock meanwhile
    release.set()
    holder.join(30)
    sender.join(60)
    assert [r.status_code for r in answers] == [200]
    with Session(shop.engine) as session:
        stored = session.get(Member, member_id)
        assert stored is not None and stored.sms_opt_in is False
