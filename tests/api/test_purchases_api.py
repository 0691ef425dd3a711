"""POST /members/{id}/purchases and /feedback: status codes, idempotency, the card rule, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from loyalty.models.audit import AuditEntry
from loyalty.models.purchases import Purchase
from tests.builders import make_member


def _post(client: TestClient, headers: dict[str, str], member_id: int | None, **body: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/members/{member_id}/purchases", json=body, headers=headers)


def _ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def test_three_visits_issue_the_card_on_the_third(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    member = make_member(session, "Ayşe Yılmaz")
    first = _post(client, staff, member.id, amount="100", receipt_id="A-1", occurred_at=_ago(2))
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["card_issued"] is False and body["card"] is None
    assert body["purchase"]["receipt_id"] == "A-1" and body["purchase"]["amount"] == "100.00"
    assert (
        _post(client, staff, member.id, amount=50, receipt_id="A-2", occurred_at=_ago(1)).json()[
            "card_issued"
        ]
        is False
    )
    assert (
        _post(client, staff, member.id, amount=5, receipt_id="A-2b", occurred_at=_ago(1)).json()[
            "card_issued"
        ]
        is False
    )  # a second receipt the same day: still two visits
    third = _post(client, staff, member.id, amount="75.5", receipt_id="A-3")
    assert third.status_code == 201 and third.json()["card_issued"] is True
    card = third.json()["card"]
    assert card["holder_name"] == "Ayşe Yılmaz" and card["status"] == "active" and len(card["number"]) == 16

    got = client.get(f"/api/v1/members/{member.id}/card", headers=staff)
    assert got.status_code == 200 and got.json()["number"] == card["number"]


def test_a_repeated_receipt_answers_200_with_the_original(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    member = make_member(session)
    first = _post(client, staff, member.id, amount="10.00", receipt_id="R-77")
    again = _post(client, staff, member.id, amount="10.00", receipt_id="R-77")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["purchase"]["id"] == first.json()["purchase"]["id"]
    assert len(session.exec(select(Purchase).where(Purchase.receipt_id == "R-77")).all()) == 1


def test_a_receipt_of_another_member_is_409(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    owner, other = make_member(session), make_member(session)
    assert _post(client, staff, owner.id, amount="10", receipt_id="R-88").status_code == 201
    clash = _post(client, staff, other.id, amount="10", receipt_id="R-88")
    assert clash.status_code == 409 and "another member" in clash.json()["detail"]["message"]


def test_validation_errors_are_422_naming_the_field(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    member = make_member(session)
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    cases = [
        ({"amount": "0", "receipt_id": "V-1"}, "amount"),
        ({"amount": "-3", "receipt_id": "V-2"}, "amount"),
        ({"amount": "abc", "receipt_id": "V-3"}, "amount"),
        ({"receipt_id": "V-4"}, "amount"),
        ({"amount": "5"}, "receipt_id"),
        ({"amount": "5", "receipt_id": "V-5", "occurred_at": future}, "occurred_at"),
        ({"amount": "5", "receipt_id": "V-6", "occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),
        ({"amount": "5", "receipt_id": "V-7", "store_id": 987654}, "store_id"),
    ]
    for body, field in cases:
        response = _post(client, staff, member.id, **body)
        assert response.status_code == 422, (body, response.text)
        assert any(field in err["loc"] for err in response.json()["detail"]), (body, response.json())
    assert session.exec(select(Purchase).where(Purchase.member_id == member.id)).all() == []


def test_a_past_occurred_at_is_kept(client: TestClient, session: Session, staff: dict[str, str]) -> None:
    member = make_member(session)
    response = _post(
        client, staff, member.id, amount="5", receipt_id="P-1", occurred_at="2026-01-02T10:00:00+03:00"
    )
    assert response.status_code == 201
    assert datetime.fromisoformat(response.json()["purchase"]["occurred_at"]) == datetime(
        2026, 1, 2, 7, tzinfo=UTC
    )


def test_unknown_member_is_404(client: TestClient, staff: dict[str, str]) -> None:
    assert _post(client, staff, 999_999, amount="5", receipt_id="U-1").status_code == 404


def test_detractor_feedback_holds_the_card_and_staff_approve_it(
    client: TestClient, session: Session, staff: dict[str, str], marketing: dict[str, str]
) -> None:
    member = make_member(session)
    first = _post(client, staff, member.id, amount="5", receipt_id="D-1", occurred_at=_ago(2)).json()[
        "purchase"
    ]
    fb = client.post(
        f"/api/v1/members/{member.id}/feedback",
        json={"score": 3, "comment": "bekleme uzundu", "purchase_id": first["id"]},
        headers=staff,
    )
    assert (
        fb.status_code == 201 and fb.json()["detractor"] is True and fb.json()["purchase_id"] == first["id"]
    )
    _post(client, staff, member.id, amount="5", receipt_id="D-2", occurred_at=_ago(1))
    card = _post(client, staff, member.id, amount="5", receipt_id="D-3").json()["card"]
    assert card["status"] == "pending_review"
    assert (
        client.get(f"/api/v1/cards/{card['number']}/pdf", headers=staff).status_code == 409
    )  # not printed yet

    assert client.post(f"/api/v1/cards/{card['number']}/approve", headers=marketing).status_code == 403
    approved = client.post(f"/api/v1/cards/{card['number_display']}/approve", headers=staff)
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    assert client.get(f"/api/v1/members/{member.id}/card", headers=marketing).json()["status"] == "active"


def test_feedback_validation(client: TestClient, session: Session, staff: dict[str, str]) -> None:
    member = make_member(session)
    url = f"/api/v1/members/{member.id}/feedback"
    for body, field in [
        ({"score": 11}, "score"),
        ({"score": True}, "score"),
        ({"score": 5.5}, "score"),
        ({"score": -1}, "score"),
        ({}, "score"),
        ({"score": 5, "purchase_id": 999_999}, "purchase_id"),
    ]:
        response = client.post(url, json=body, headers=staff)
        assert response.status_code == 422, (body, response.text)
        assert any(field in err["loc"] for err in response.json()["detail"])
    assert client.post("/api/v1/members/999999/feedback", json={"score": 5}, headers=staff).status_code == 404


def test_roles(client: TestClient, session: Session, marketing: dict[str, str]) -> None:
    member = make_member(session)
    assert _post(client, {}, member.id, amount="5", receipt_id="X-1").status_code == 401
    assert _post(client, marketing, member.id, amount="5", receipt_id="X-1").status_code == 403
    assert (
        client.post(f"/api/v1/members/{member.id}/feedback", json={"score": 9}, headers=marketing).status_code
        == 403
    )
    assert session.exec(select(Purchase).where(Purchase.member_id == member.id)).all() == []


def test_a_purchase_is_in_the_audit_log_once(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    """The purchase is written by its own INSERT ... RETURNING, not the flush: its audit row still is."""
    member = make_member(session)
    first = _post(client, staff, member.id, amount="12.50", receipt_id="AU-1")
    again = _post(client, staff, member.id, amount="12.50", receipt_id="AU-1")
    assert (first.status_code, again.status_code) == (201, 200)
    purchase_id = first.json()["purchase"]["id"]
    session.expire_all()
    rows = session.exec(
        select(AuditEntry).where(AuditEntry.target_type == "purchase", AuditEntry.target_id == purchase_id)
    ).all()
    assert len(rows) == 1  # the repeated receipt wrote nothing
    entry = rows[0]
    assert entry.action == "insert" and entry.member_id == member.id and entry.actor.startswith("user:")
    assert entry.changes["amount"] == [None, "12.50"] and entry.changes["receipt_id"] == [None, "AU-1"]
