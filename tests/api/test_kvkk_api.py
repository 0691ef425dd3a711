"""KVKK: a member's export, their erase (nothing personal left in any table), their requests."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from loyalty.core.clock import utcnow
from loyalty.core.tokens import member_page_token, unsubscribe_token
from loyalty.models.coupons import CouponRedemption
from loyalty.models.members import Member
from loyalty.models.messages import Message, MessageEvent
from loyalty.models.purchases import Feedback
from tests.builders import make_coupon

NAME = "Zehra Kıvılcımlı"
PHONE = "+905327654321"
EMAIL = "zehra.kivilcimli@example.com"
PURPOSE = "kızım Elifnaz'ın mezuniyeti"
RELATION = "Elifnaz"


def _member_with_history(client: TestClient, session: Session, staff: dict[str, str]) -> int:
    """A member with consent, an occasion, three visits (a card), a coupon, a message and feedback."""
    created = client.post(
        "/api/v1/members",
        json={
            "full_name": NAME,
            "phone": "0532 765 43 21",
            "email": EMAIL,
            "consent": {"sms": True, "email": True},
        },
        headers=staff,
    )
    assert created.status_code == 201, created.text
    member_id = int(created.json()["id"])
    occasion = client.post(
        f"/api/v1/members/{member_id}/occasions",
        json={
            "kind": "graduation",
            "date": "2027-06-20",
            "for_whom": "daughter",
            "relation_name": RELATION,
            "purpose": PURPOSE,
            "recurrence": "once",
        },
        headers=staff,
    )
    assert occasion.status_code == 201, occasion.text
    now = utcnow()
    for days in (20, 10, 1):
        bought = client.post(
            f"/api/v1/members/{member_id}/purchases",
            json={
                "amount": "120.00",
                "receipt_id": f"Z-{days}",
                "occurred_at": (now - timedelta(days=days)).isoformat(),
            },
            headers=staff,
        )
        assert bought.status_code in (200, 201), bought.text
    member = session.get(Member, member_id)
    assert member is not None
    make_coupon(session, member)
    message = Message(
        member_id=member_id,
        channel="sms",
        requested_channel="sms",
        dedupe_key=f"test:{member_id}",
        purpose="birthday_self",
        category="promotional",
        context={"first_name": "Zehra", "purpose": PURPOSE, "relation_name": RELATION},
        to_address=PHONE,
        state="sent",
    )
    session.add(message)
    session.flush()
    session.add(MessageEvent(message_id=message.id or 0, state="sent", detail=f"sent to {PHONE}"))
    session.add(Feedback(member_id=member_id, score=9, comment=f"{NAME} çok memnun"))
    session.flush()
    return member_id


def _text_columns(session: Session) -> list[tuple[str, str]]:
    """Every (table, column) holding text or JSON in the database itself (reflected, not from the models)."""
    meta = sa.MetaData()
    meta.reflect(bind=session.connection())
    found = []
    for table in meta.sorted_tables:
        for column in table.columns:
            if (
                isinstance(column.type, sa.String | sa.Text | sa.JSON | sa.Enum)
                or "json" in str(column.type).lower()
            ):
                found.append((table.name, column.name))
    return found


def _left(session: Session, needle: str) -> list[str]:
    hits = []
    for table, column in _text_columns(session):
        query = sa.text(f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE :needle')
        if session.execute(query, {"needle": f"%{needle}%"}).scalar():
            hits.append(f"{table}.{column}")
    return hits


def test_export_has_all_the_members_data(
    client: TestClient, session: Session, staff: dict[str, str], admin: dict[str, str]
) -> None:
    member_id = _member_with_history(client, session, staff)
    response = client.get(f"/api/v1/members/{member_id}/export", headers=admin)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["profile"]["full_name"] == NAME and data["profile"]["phone"] == PHONE
    assert data["profile"]["email"] == EMAIL
    assert {(e["channel"], e["granted"]) for e in data["consent"]} == {("sms", True), ("email", True)}
    assert all(e["iys_source"] == "HS_FIZIKSEL_ORTAM" for e in data["consent"])
    assert len(data["purchases"]) == 3 and len(data["cards"]) == 1
    assert data["cards"][0]["holder_name"] == NAME
    assert len(data["coupons"]) == 1
    assert [o["purpose"] for o in data["occasions"]] == [PURPOSE]
    sent = [m for m in data["messages"] if m["purpose"] == "birthday_self"]
    assert sent[0]["context"]["purpose"] == PURPOSE and sent[0]["to_address"] == PHONE
    assert data["feedback"][0]["score"] == 9
    assert client.get(f"/api/v1/members/{member_id}/export", headers=staff).status_code == 403


def test_erase_leaves_no_personal_datum_in_any_table(
    client: TestClient, session: Session, staff: dict[str, str], admin: dict[str, str]
) -> None:
    member_id = _member_with_history(client, session, staff)
    needles = [NAME, PHONE, PHONE[1:], "5327654321", EMAIL, PURPOSE, RELATION, "Zehra", "Kıvılcımlı"]
    assert _left(session, NAME) and _left(session, PHONE) and _left(session, PURPOSE)  # the scan sees them
    assert client.delete(f"/api/v1/members/{member_id}", headers=staff).status_code == 403
    erased = client.delete(f"/api/v1/members/{member_id}", headers=admin)
    assert erased.status_code == 200, erased.text
    session.expire_all()
    for needle in needles:
        assert _left(session, needle) == [], needle
    # anonymous figures and the coupon audit stay
    messages = session.exec(select(Message).where(Message.member_id == member_id)).all()
    assert {m.purpose for m in messages} >= {"birthday_self"}
    member = session.get(Member, member_id)
    assert member is not None and member.erased_at is not None
    assert not member.sms_opt_in and not member.email_opt_in
    assert client.get(f"/api/v1/members/{member_id}", headers=admin).status_code == 404
    assert client.get(f"/api/v1/members/{member_id}/export", headers=admin).status_code == 404
    assert client.delete(f"/api/v1/members/{member_id}", headers=admin).status_code == 404
    assert client.get("/api/v1/members", params={"q": "Zehra"}, headers=staff).json() == []
    assert client.get("/api/v1/members", params={"phone": PHONE}, headers=staff).json() == []
    purchases = session.exec(
        select(sa.func.count())
        .select_from(sa.table("purchases", sa.column("member_id")))
        .where(sa.column("member_id") == member_id)
    ).one()
    assert purchases == 3
    # the member's links stop working
    token = member_page_token("test-secret-key-not-for-production-0123456789", member_id)
    assert client.get(f"/api/v1/self/{token}").status_code == 404
    assert client.post(f"/api/v1/self/{token}/requests", json={"kind": "export"}).status_code == 404
    unsub = unsubscribe_token("test-secret-key-not-for-production-0123456789", member_id, "sms")
    assert client.get(f"/u/{unsub}").status_code == 404
    # the erase is in the audit log, without the data
    audit = client.get("/api/v1/audit", params={"target": f"member:{member_id}"}, headers=admin).json()
    assert "erase" in {entry["action"] for entry in audit}
    assert NAME not in str(audit) and PHONE not in str(audit)


def test_erase_keeps_the_coupon_audit(
    client: TestClient, session: Session, staff: dict[str, str], admin: dict[str, str]
) -> None:
    member_id = _member_with_history(client, session, staff)
    member = session.get(Member, member_id)
    assert member is not None
    coupon = make_coupon(session, member)
    redeemed = client.post(f"/api/v1/coupons/{coupon.code}/redeem", json={}, headers=staff)
    assert redeemed.status_code == 200, redeemed.text
    assert client.delete(f"/api/v1/members/{member_id}", headers=admin).status_code == 200
    audit = session.exec(select(CouponRedemption).where(CouponRedemption.coupon_id == coupon.id)).all()
    assert [a.action for a in audit] == ["redeem"]


def test_a_member_asks_from_their_page_and_an_admin_sees_it(
    client: TestClient, session: Session, staff: dict[str, str], admin: dict[str, str]
) -> None:
    member_id = _member_with_history(client, session, staff)
    token = member_page_token("test-secret-key-not-for-production-0123456789", member_id)
    asked = client.post(f"/api/v1/self/{token}/requests", json={"kind": "erase"})
    assert asked.status_code == 201, asked.text
    again = client.post(f"/api/v1/self/{token}/requests", json={"kind": "erase"})
    assert again.json()["id"] == asked.json()["id"]  # one open request per kind
    bad = client.post(f"/api/v1/self/{token}/requests", json={"kind": "everything"})
    assert bad.status_code == 422
    listed = client.get("/api/v1/requests", headers=admin).json()
    assert [(r["member_id"], r["kind"], r["status"]) for r in listed] == [(member_id, "erase", "open")]
    assert client.get("/api/v1/requests", headers=staff).status_code == 403
    assert client.delete(f"/api/v1/members/{member_id}", headers=admin).status_code == 200
    done = client.get("/api/v1/requests", params={"status": "done"}, headers=admin).json()
    assert [(r["member_id"], r["handled_by"]) for r in done][-1][0] == member_id
    assert client.get("/api/v1/requests", headers=admin).json() == []
