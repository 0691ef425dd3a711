"""The coupon HTTP contract: validate, redeem once (409/410/404/422), Idempotency-Key, reversal, lists."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlmodel import Session

from loyalty.cards.issuing import issue_card
from loyalty.cards.numbers import format_card_number
from loyalty.core.clock import utcnow
from loyalty.coupons.codes import format_code
from loyalty.models.coupons import Coupon
from tests.builders import make_coupon, make_member, make_store

API = "/api/v1"


def _coupon(session: Session, name: str = "Elif Şahin", **fields: object) -> Coupon:
    return make_coupon(session, make_member(session, name), **fields)  # type: ignore[arg-type]


def test_check_a_code_without_redeeming_it(client: TestClient, session: Session, marketing: dict) -> None:
    coupon = _coupon(session, min_purchase="200")
    typed = coupon.code.lower()  # no hyphens, lower case
    response = client.get(f"{API}/coupons/{typed}", headers=marketing)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == format_code(coupon.code)
    assert body["status"] == "issued" and body["redeemable_now"] is True and body["reason"] is None
    assert body["member_name"] == "Elif Şahin"
    assert body["offer"] == {"kind": "percent", "value": "15.00", "min_purchase": "200.00", "currency": "TRY"}
    assert body["expires_at"].startswith(coupon.expires_at.isoformat()[:19])
    # looking did not use it up
    assert (
        client.get(f"{API}/coupons/{format_code(coupon.code)}", headers=marketing).json()["status"]
        == "issued"
    )


def test_unknown_and_malformed_codes(client: TestClient, staff: dict) -> None:
    unknown = client.get(f"{API}/coupons/2345-6789-ABC", headers=staff)
    assert unknown.status_code == 404 and "2345-6789-ABC" in unknown.json()["detail"]
    mistyped = client.post(f"{API}/coupons/2345-6789-AB0/redeem", headers=staff, json={})
    assert mistyped.status_code == 422
    [error] = mistyped.json()["detail"]
    assert error["loc"][-1] == "code" and "'0'" in error["msg"]
    assert client.post(f"{API}/coupons/2345-6789-ABC/redeem", headers=staff).status_code == 404


def test_redeem_once_then_409_saying_when_and_where(
    client: TestClient, session: Session, staff: dict
) -> None:
    coupon = _coupon(session)
    store = make_store(session, name="Moda")
    first = client.post(
        f"{API}/coupons/{format_code(coupon.code)}/redeem",
        headers=staff,
        json={"purchase_amount": "240.00", "store_id": store.id},
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "redeemed" and body["redeemable_now"] is False
    assert (body["purchase_amount"], body["discount"], body["amount_due"]) == ("240.00", "36.00", "204.00")
    assert body["redeemed_store_name"] == "Moda" and body["redeemed_by"].startswith("staff-")
    again = client.post(f"{API}/coupons/{coupon.code}/redeem", headers=staff, json={"purchase_amount": "240"})
    assert again.status_code == 409
    detail = again.json()["detail"]
    assert "already redeemed" in detail["message"] and "Moda" in detail["message"]
    assert detail["store_name"] == "Moda" and detail["redeemed_at"].startswith(body["redeemed_at"][:19])
    assert client.get(f"{API}/coupons/{coupon.code}", headers=staff).json()["reason"].startswith("already")


def test_redeem_without_a_body(client: TestClient, session: Session, staff: dict) -> None:
    coupon = _coupon(session, kind="amount", value="50")
    response = client.post(f"{API}/coupons/{coupon.code}/redeem", headers=staff)
    assert response.status_code == 200, response.text
    assert (response.json()["discount"], response.json()["amount_due"]) == ("50.00", None)


def test_expired_is_410_with_the_expiry(client: TestClient, session: Session, staff: dict) -> None:
    ended = utcnow() - timedelta(hours=1)
    coupon = _coupon(session, valid_from=ended - timedelta(days=14), expires_at=ended)
    response = client.post(f"{API}/coupons/{coupon.code}/redeem", headers=staff, json={})
    assert response.status_code == 410
    detail = response.json()["detail"]
    assert "expired" in detail["message"] and detail["expires_at"].startswith(ended.isoformat()[:19])
    shown = client.get(f"{API}/coupons/{coupon.code}", headers=staff).json()
    assert shown["redeemable_now"] is False and "expired" in shown["reason"]


def test_below_the_minimum_purchase_is_422_naming_purchase_amount(
    client: TestClient, session: Session, staff: dict
) -> None:
    coupon = _coupon(session, min_purchase="200")
    response = client.post(
        f"{API}/coupons/{coupon.code}/redeem", headers=staff, json={"purchase_amount": "150"}
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][-1] == "purchase_amount" and "200.00" in error["msg"]
    for bad in ("-1", "10.001"):
        bad_amount = client.post(
            f"{API}/coupons/{coupon.code}/redeem", headers=staff, json={"purchase_amount": bad}
        )
        assert bad_amount.status_code == 422
        assert bad_amount.json()["detail"][0]["loc"][-1] == "purchase_amount"
    assert client.get(f"{API}/coupons/{coupon.code}", headers=staff).json()["status"] == "issued"


def test_only_staff_or_admin_redeem(
    client: TestClient, session: Session, marketing: dict, admin: dict
) -> None:
    coupon = _coupon(session)
    assert client.post(f"{API}/coupons/{coupon.code}/redeem", json={}).status_code == 401
    assert client.post(f"{API}/coupons/{coupon.code}/redeem", headers=marketing, json={}).status_code == 403
    assert client.post(f"{API}/coupons/{coupon.code}/redeem", headers=admin, json={}).status_code == 200


def test_a_retried_request_with_the_same_key_gets_the_first_answer(
    client: TestClient, session: Session, staff: dict
) -> None:
    coupon = _coupon(session)
    url = f"{API}/coupons/{coupon.code}/redeem"
    headers = {**staff, "Idempotency-Key": "5f1c7d2e-retry"}
    first = client.post(url, headers=headers, json={"purchase_amount": "100"})
    again = client.post(
        url, headers=headers, json={"purchase_amount": "100.00"}
    )  # same amount, other spelling
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert "Idempotent-Replayed" not in first.headers and again.headers["Idempotent-Replayed"] == "true"
    audit = client.get(f"{API}/coupons/{coupon.code}/audit", headers=staff).json()
    assert [a["action"] for a in audit] == ["redeem"]
    # the same key for another request is a client error, not a second redemption
    other = client.post(url, headers=headers, json={"purchase_amount": "90"})
    assert other.status_code == 422 and other.json()["detail"][0]["loc"][-1] == "Idempotency-Key"
    # a new key is a new attempt, and the coupon is used
    fresh = client.post(url, headers={**staff, "Idempotency-Key": "another"}, json={"purchase_amount": "100"})
    assert fresh.status_code == 409


def test_a_refused_attempt_does_not_burn_the_key(client: TestClient, session: Session, staff: dict) -> None:
    coupon = _coupon(session, min_purchase="200")
    url = f"{API}/coupons/{coupon.code}/redeem"
    headers = {**staff, "Idempotency-Key": "counter-42"}
    assert client.post(url, headers=headers, json={"purchase_amount": "150"}).status_code == 422
    assert client.post(url, headers=headers, json={"purchase_amount": "250"}).status_code == 200


def test_reverse_a_redemption_with_a_reason(
    client: TestClient, session: Session, staff: dict, admin: dict
) -> None:
    coupon = _coupon(session)
    url = f"{API}/coupons/{coupon.code}"
    not_yet = client.post(f"{url}/reverse", headers=staff, json={"reason": "typo"})
    assert not_yet.status_code == 409 and "not redeemed" in not_yet.json()["detail"]["message"]
    assert client.post(f"{url}/redeem", headers=staff, json={"purchase_amount": "100"}).status_code == 200
    assert client.post(f"{url}/reverse", headers=staff, json={}).status_code == 422  # a reason is required
    back = client.post(f"{url}/reverse", headers=admin, json={"reason": "returned the goods"})
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "issued" and back.json()["redeemable_now"] is True
    assert back.json()["redeemed_at"] is None
    assert (
        client.post(f"{url}/redeem", headers=staff, json={"purchase_amount": "60"}).json()["discount"]
        == "9.00"
    )
    audit = client.get(f"{url}/audit", headers=staff).json()
    assert [(a["action"], a["reason"]) for a in audit] == [
        ("redeem", None),
        ("reverse", "returned the goods"),
        ("redeem", None),
    ]
    assert [Decimal(a["purchase_amount"]) for a in audit if a["action"] == "redeem"] == [
        Decimal(100),
        Decimal(60),
    ]


def test_a_members_active_coupons(client: TestClient, session: Session, staff: dict) -> None:
    member = make_member(session, "Can Demir")
    now = utcnow()
    usable = make_coupon(
        session, member, valid_from=now - timedelta(days=1), expires_at=now + timedelta(days=3)
    )
    make_coupon(session, member, valid_from=now - timedelta(days=9), expires_at=now - timedelta(days=1))
    response = client.get(f"{API}/members/{member.id}/coupons", headers=staff)
    assert response.status_code == 200
    assert [c["code"] for c in response.json()] == [format_code(usable.code)]
    assert client.get(f"{API}/members/999999/coupons", headers=staff).status_code == 404


def test_a_card_scan_lists_the_members_active_coupons(
    client: TestClient, session: Session, staff: dict
) -> None:
    member = make_member(session, "Deniz Aydın")
    card, _ = issue_card(session, member.id or 0, member.full_name)
    now = utcnow()
    usable = make_coupon(
        session, member, valid_from=now - timedelta(days=1), expires_at=now + timedelta(days=3)
    )
    used = make_coupon(
        session, member, valid_from=now - timedelta(days=1), expires_at=now + timedelta(days=3)
    )
    assert client.post(f"{API}/coupons/{used.code}/redeem", headers=staff, json={}).status_code == 200
    scan = client.get(f"{API}/cards/{format_card_number(card.number)}", headers=staff)
    assert scan.status_code == 200, scan.text
    listed = scan.json()["active_coupons"]
    assert [c["code"] for c in listed] == [format_code(usable.code)]
    assert listed[0]["offer"]["kind"] == "percent" and listed[0]["status"] == "issued"
