"""Out-of-range and malformed input is a 4xx naming the field, never a 500 (found by schemathesis)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.builders import make_member

HUGE = "36044558780477559553566250631168"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/v1/members/{HUGE}"),
        ("GET", "/api/v1/members/-77/self-link"),
        ("GET", f"/api/v1/campaigns/{HUGE}"),
        ("GET", f"/api/v1/members/{2**31}/card"),
        ("DELETE", f"/api/v1/occasions/{HUGE}"),
    ],
)
def test_an_id_out_of_range_in_the_path_is_a_422_naming_it(
    client: TestClient, admin: dict[str, str], method: str, path: str
) -> None:
    response = client.request(method, path, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "path"


def test_an_id_out_of_range_in_a_body_is_a_422_naming_it(
    client: TestClient, staff: dict[str, str], session: Session
) -> None:
    member = make_member(session)
    response = client.post(
        f"/api/v1/members/{member.id}/purchases",
        json={"amount": "10.00", "receipt_id": "R-big-store", "store_id": 2**40},
        headers=staff,
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "store_id"]
    response = client.post(
        f"/api/v1/members/{member.id}/feedback", json={"score": 9, "purchase_id": 2**40}, headers=staff
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "purchase_id"]


def test_a_garbled_occasion_is_a_422(client: TestClient, staff: dict[str, str], session: Session) -> None:
    member = make_member(session)
    body = {
        "remind_days_before": -2624,
        "day": -7678,
        "month": 79470,
        "year": -288438,
        "for_whom": "#\U00031404",
        "relation_name": "",
        "date": "\u0082@\u00dd\u00d3\u0014\u00d1\u001e",
        "kind": "commercial",
        "recurrence": None,
        "purpose": "",
    }
    response = client.post(f"/api/v1/members/{member.id}/occasions", json=body, headers=staff)
    assert response.status_code == 422, response.text


def test_a_lone_surrogate_in_text_is_a_422_naming_the_field(
    client: TestClient, staff: dict[str, str], session: Session
) -> None:
    """JSON may escape half of a UTF-16 pair (\\ud83d); such text cannot be stored or printed."""
    member = make_member(session)
    raw = (
        '{"kind": "birthday", "date": "05-09", "purpose": "\\ud83d cake", "for_whom": "self",'
        ' "relation_name": "\\udc04"}'
    )
    response = client.post(
        f"/api/v1/members/{member.id}/occasions",
        content=raw,
        headers=staff | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "purpose"]


def test_a_nul_character_anywhere_is_a_422_naming_where(
    client: TestClient, staff: dict[str, str], session: Session
) -> None:
    """PostgreSQL cannot store NUL in text: refused in a JSON body, a query string and a form alike."""
    response = client.post(
        "/api/v1/members", json={"full_name": "Ay\x00şe", "phone": "0532 111 22 99"}, headers=staff
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "full_name"]
    response = client.get("/api/v1/members", params={"q": "a\x00b"}, headers=staff)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "q"]
    response = client.get("/api/v1/occasions/upcoming", params={"kind": ["birthday", "\x00"]}, headers=staff)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "kind"]
    response = client.post("/api/v1/auth/token", data={"username": "st\x00aff", "password": "whatever1"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "username"]


def test_checked_text_leaves_ordinary_turkish_text_and_forms_alone(
    client: TestClient, staff: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/members", json={"full_name": "Işıl Öğüt 🌷", "phone": "0532 111 22 98"}, headers=staff
    )
    assert response.status_code == 201, response.text
    assert response.json()["full_name"] == "Işıl Öğüt 🌷"
    found = client.get("/api/v1/members", params={"q": "ışıl"}, headers=staff).json()
    assert found[0]["full_name"]
    assert [m["full_name"] for m in found] == ["Işıl Öğüt 🌷"]
