"""The counter's API additions (issue 12): purchase and coupon in one step, card progress and history,
held cards (list, approve, reject), lost cards (replace, 410 naming the new number), phones for people."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.main import create_app
from loyalty.cards.numbers import format_card_number, new_card_number
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.core.tokens import member_page_token
from loyalty.coupons.codes import format_code
from loyalty.models.cards import Card, CardStatus
from loyalty.models.coupons import Coupon, CouponRedemption
from loyalty.models.members import Member
from loyalty.models.purchases import Feedback, Purchase
from tests.builders import bearer, make_coupon, make_member, make_purchase, make_user


def _post(client: TestClient, headers: dict[str, str], member_id: int | None, **body: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/members/{member_id}/purchases", json=body, headers=headers)


def _field(response) -> object:  # type: ignore[no-untyped-def]
    detail = response.json()["detail"]
    return detail[0]["loc"][-1] if isinstance(detail, list) else detail.get("field")


# ---------------------------------------------------------------- purchase and coupon in one step


def test_a_purchase_with_a_coupon_redeems_it_and_answers_the_redemption(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    member = make_member(session)
    coupon = make_coupon(session, member, value="10")
    lower = coupon.code.lower()
    response = _post(client, staff, member.id, amount="200.00", receipt_id="C-1", coupon_code=lower)
    assert response.status_code == 201, response.text
    body = response.json()
    redemption = body["redemption"]
    assert redemption["status"] == "redeemed" and redemption["discount"] == "20.00"
    assert redemption["amount_due"] == "180.00" and redemption["purchase_amount"] == "200.00"
    session.refresh(coupon)
    assert coupon.status == "redeemed"
    [audit] = session.exec(select(CouponRedemption).where(CouponRedemption.coupon_id == coupon.id)).all()
    assert audit.purchase_id == body["purchase"]["id"]

    again = _post(client, staff, member.id, amount="200.00", receipt_id="C-1", coupon_code=lower)
    assert again.status_code == 200 and again.json()["redemption"]["code"] == redemption["code"]
    assert (
        len(session.exec(select(CouponRedemption).where(CouponRedemption.coupon_id == coupon.id)).all()) == 1
    )

    lines = client.get(f"/api/v1/members/{member.id}/purchases", headers=staff).json()
    assert [(x["receipt_id"], x["coupon_code"], x["discount"]) for x in lines] == [
        ("C-1", redemption["code"], "20.00")
    ]


@pytest.mark.parametrize(
    ("case", "status"),
    [("unknown", 404), ("redeemed", 409), ("expired", 410), ("someone_else", 422), ("minimum", 422)],
)
def test_a_refused_coupon_names_coupon_code(
    client: TestClient, session: Session, staff: dict[str, str], case: str, status: int
) -> None:
    member, other = make_member(session), make_member(session)
    now = datetime.now(UTC)
    code = "ABCD-EFGH-JKM"
    if case == "redeemed":
        code = make_coupon(session, member).code
        assert (
            _post(client, staff, member.id, amount="50", receipt_id="F-0", coupon_code=code).status_code
            == 201
        )
    elif case == "expired":
        code = make_coupon(
            session, member, valid_from=now - timedelta(days=3), expires_at=now - timedelta(days=1)
        ).code
    elif case == "someone_else":
        code = make_coupon(session, other).code
    elif case == "minimum":
        code = make_coupon(session, member, min_purchase="100").code
    response = _post(client, staff, member.id, amount="50", receipt_id="F-1", coupon_code=code)
    assert response.status_code == status, response.text
    assert _field(response) == "coupon_code"


@pytest.fixture
def real_client(settings: Settings, committing_engine: Engine) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app on its own sessions (each request commits or rolls back for real)."""
    with unit_of_work(committing_engine) as session:
        user = make_user(session, role="staff")
        session.commit()
    with TestClient(create_app(settings)) as client:
        yield client, bearer(settings, user)


def test_a_bad_code_records_neither_the_purchase_nor_a_redemption(
    real_client: tuple[TestClient, dict[str, str]], committing_engine: Engine
) -> None:
    client, staff = real_client
    with unit_of_work(committing_engine) as session:
        member = make_member(session)
        mine = make_coupon(session, member, min_purchase="500")
        session.commit()
    refused = _post(client, staff, member.id, amount="50", receipt_id="N-1", coupon_code=mine.code)
    assert refused.status_code == 422 and _field(refused) == "coupon_code"
    with Session(committing_engine) as session:
        assert session.exec(select(func.count()).select_from(Purchase)).one() == 0
        assert session.exec(select(func.count()).select_from(CouponRedemption)).one() == 0
        assert session.exec(select(Coupon.status)).one() == "issued"
    ok = _post(client, staff, member.id, amount="600", receipt_id="N-1", coupon_code=mine.code)
    assert ok.status_code == 201 and ok.json()["redemption"]["status"] == "redeemed"


# ---------------------------------------------------------------- the member panel


def test_member_detail_carries_card_progress_and_the_phone_as_people_write_it(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    member = make_member(session, phone="+905321234567")
    now = datetime.now(UTC)
    make_purchase(session, member, occurred_at=now - timedelta(days=3))
    make_purchase(session, member, occurred_at=now - timedelta(days=3, minutes=5))  # the same visit
    make_purchase(session, member, occurred_at=now - timedelta(days=400))  # outside the window
    body = client.get(f"/api/v1/members/{member.id}", headers=staff).json()
    assert body["card_progress"] == {"visits": 1, "needed": 3, "window_days": 180}
    assert body["phone"] == "+905321234567" and body["phone_display"] == "0532 123 45 67"
    found = client.get("/api/v1/members", params={"q": "AYSE YILMAZ"}, headers=staff).json()
    assert member.id in [m["id"] for m in found]
    assert client.get(f"/api/v1/members/{member.id}/messages", headers=staff).json() == []
    assert client.get("/api/v1/members/999999/purchases", headers=staff).status_code == 404


# ---------------------------------------------------------------- held cards


def _card(session: Session, status: CardStatus = CardStatus.active, name: str = "Ali Veli") -> Card:
    member = make_member(session, name)
    card = Card(member_id=member.id or 0, number=new_card_number(), holder_name=name, status=status)
    session.add(card)
    session.flush()
    return card


def test_held_cards_are_listed_with_their_feedback_then_rejected_with_a_reason(
    client: TestClient, session: Session, staff: dict[str, str], marketing: dict[str, str]
) -> None:
    held = _card(session, CardStatus.pending_review, "Kemal Sunal")
    session.add(Feedback(member_id=held.member_id, score=3, comment="soğuk kahve"))
    _card(session)  # an active card is not listed
    session.flush()
    listed = client.get("/api/v1/cards", params={"status": "pending_review"}, headers=staff)
    assert listed.status_code == 200, listed.text
    [row] = listed.json()
    assert row["card"]["number"] == held.number and row["member"]["full_name"] == "Kemal Sunal"
    assert row["feedback"]["score"] == 3 and row["feedback"]["comment"] == "soğuk kahve"
    assert client.get("/api/v1/cards", params={"status": "active"}, headers=staff).status_code == 422
    assert (
        client.get("/api/v1/cards", params={"status": "pending_review"}, headers=marketing).status_code == 403
    )

    pdf = client.get(f"/api/v1/cards/{held.number}/pdf", headers=staff)
    assert pdf.status_code == 409 and "awaiting staff approval" in pdf.json()["detail"]["message"]

    empty = client.post(f"/api/v1/cards/{held.number}/reject", json={"reason": "  "}, headers=staff)
    assert empty.status_code == 422 and _field(empty) == "reason"
    rejected = client.post(f"/api/v1/cards/{held.number}/reject", json={"reason": "şikayet"}, headers=staff)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["review_reason"] == "şikayet"
    assert client.get("/api/v1/cards", params={"status": "pending_review"}, headers=staff).json() == []
    twice = client.post(f"/api/v1/cards/{held.number}/reject", json={"reason": "x"}, headers=staff)
    assert twice.status_code == 409


# ---------------------------------------------------------------- lost cards


def test_a_lost_card_is_replaced_and_the_old_number_answers_410_naming_the_new(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    old = _card(session)
    response = client.post(
        f"/api/v1/cards/{format_card_number(old.number)}/replace", json={"reason": "kayboldu"}, headers=staff
    )
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["number"] != old.number and new["member_id"] == old.member_id and new["status"] == "active"
    scan = client.get(f"/api/v1/cards/{old.number}", headers=staff)
    assert scan.status_code == 410
    assert scan.json()["detail"]["replaced_by"] == new["number"]
    assert new["number_display"] in scan.json()["detail"]["message"]
    assert client.get(f"/api/v1/cards/{old.number}/pdf", headers=staff).status_code == 410
    assert (
        client.get(f"/api/v1/members/{old.member_id}/card", headers=staff).json()["number"] == new["number"]
    )
    assert client.get(f"/api/v1/cards/{new['number']}", headers=staff).status_code == 200
    assert (
        client.post(f"/api/v1/cards/{old.number}/replace", json={"reason": "x"}, headers=staff).status_code
        == 410
    )
    held = _card(session, CardStatus.pending_review)
    refused = client.post(f"/api/v1/cards/{held.number}/replace", json={"reason": "x"}, headers=staff)
    assert refused.status_code == 409
    assert len(session.exec(select(Card).where(Card.member_id == old.member_id)).all()) == 2


# ---------------------------------------------------------------- the member's own page


def test_the_members_page_carries_card_coupons_progress_and_the_pdf(
    client: TestClient, session: Session, settings: Settings
) -> None:
    card = _card(session, name="Nur Kartal")
    member_id = card.member_id
    coupon = make_coupon(session, session.get(Member, member_id))  # type: ignore[arg-type]
    token = member_page_token(settings.secret_key, member_id)
    page = client.get(f"/api/v1/self/{token}").json()
    assert page["card"]["number"] == card.number and page["card_qr"].startswith("data:image/svg+xml")
    assert [c["code"] for c in page["coupons"]] == [format_code(coupon.code)]
    assert page["card_progress"] == {"visits": 0, "needed": 3, "window_days": 180}
    pdf = client.get(f"/api/v1/self/{token}/card.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    newcomer = make_member(session)
    other = member_page_token(settings.secret_key, newcomer.id or 0)
    assert client.get(f"/api/v1/self/{other}").json()["card"] is None
    assert client.get(f"/api/v1/self/{other}/card.pdf").status_code == 404
    assert client.get(f"/api/v1/self/{token[:-2]}xx/card.pdf").status_code == 404
