"""HTTP: registering, finding and editing members, the consent ledger, and who may do what."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from api.main import create_app
from loyalty.cards.numbers import new_card_number
from loyalty.core.settings import Settings
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Member
from tests.builders import make_member, make_user

URL = "/api/v1/members"


def body(**fields: Any) -> dict[str, Any]:
    return {"full_name": "Ayşe Yılmaz", "phone": "0532 123 45 67", "consent": {"sms": True}, **fields}


def field_of(response: Any) -> list[str]:
    """The field names a 422 points at (FastAPI's own and the domain's share one shape)."""
    return [str(item["loc"][-1]) for item in response.json()["detail"]]


def test_register_returns_201_with_e164_and_consent(client: TestClient, staff: dict[str, str]) -> None:
    response = client.post(
        URL,
        json=body(email="ayse@example.com", consent={"sms": True, "email": True}, consent_source="counter"),
        headers=staff,
    )
    assert response.status_code == 201, response.text
    member = response.json()
    assert member["id"] > 0 and member["phone"] == "+905321234567"
    assert member["consent"] == {"sms": True, "email": True}
    assert (member["locale"], member["timezone"], member["preferred_channel"]) == (
        "tr",
        "Europe/Istanbul",
        "sms",
    )
    ledger = client.get(f"{URL}/{member['id']}/consent", headers=staff).json()
    assert [(e["channel"], e["granted"], e["source"]) for e in ledger] == [
        ("sms", True, "counter"),
        ("email", True, "counter"),
    ]
    assert all(e["actor"].startswith("user:staff-") for e in ledger)


@pytest.mark.parametrize("second", ["0532 123 45 67", "+90 (532) 123-4567", "5321234567"])
def test_second_registration_is_409_naming_the_member(
    client: TestClient, staff: dict[str, str], second: str
) -> None:
    first = client.post(URL, json=body(phone="+90 (532) 123-4567"), headers=staff).json()
    response = client.post(URL, json=body(full_name="Başka Biri", phone=second), headers=staff)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail["member_id"] == first["id"] and detail["member"]["full_name"] == "Ayşe Yılmaz"
    assert "Ayşe Yılmaz" in detail["message"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "0532 12"}, "phone"),
        ({"email": "ayse@"}, "email"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"locale": "klingon"}, "locale"),
        ({"consent": {"sms": False, "email": True}}, "email"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"full_name": ""}, "full_name"),
        ({"consent_source": "x" * 40}, "consent_source"),
    ],
)
def test_invalid_input_is_422_naming_the_field(
    client: TestClient, session: Session, staff: dict[str, str], fields: dict[str, Any], field: str
) -> None:
    response = client.post(URL, json=body(**fields), headers=staff)
    assert response.status_code == 422, response.text
    assert field in field_of(response)
    assert session.exec(select(func.count()).select_from(Member)).one() == 0


def test_search_by_phone_name_and_card(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    isik = make_member(session, "Mehmet IŞIK", phone="+905321234567")
    istanbul = make_member(session, "İSTANBUL Ticaret")
    number = new_card_number()
    session.add(Card(member_id=isik.id, number=number, holder_name=isik.full_name, status=CardStatus.active))
    session.flush()

    def ids(**params: str) -> list[int]:
        response = client.get(URL, params=params, headers=marketing)
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()]

    assert ids(phone="0532 123 45 67") == ids(phone="+90 (532) 123-4567") == [isik.id]
    assert ids(q="ışık") == [isik.id]
    assert ids(q="istanbul") == [istanbul.id]
    assert ids(card=f"{number[:4]} {number[4:8]}-{number[8:12]} {number[12:]}") == [isik.id]
    assert ids(phone="0532 999 99 99") == []
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    response = client.get(URL, params={"card": wrong}, headers=marketing)
    assert response.status_code == 422 and "check digit" in response.text
    assert client.get(URL, headers=marketing).status_code == 422  # no criterion


def test_read_and_patch(client: TestClient, session: Session, staff: dict[str, str]) -> None:
    created = client.post(URL, json=body(), headers=staff).json()
    url = f"{URL}/{created['id']}"
    assert client.get(url, headers=staff).json()["full_name"] == "Ayşe Yılmaz"
    assert client.get(f"{URL}/999999", headers=staff).status_code == 404

    patched = client.patch(
        url, json={"email": "Ayse@Example.com", "timezone": "Europe/London"}, headers=staff
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["email"] == "Ayse@example.com" and patched.json()["timezone"] == "Europe/London"
    assert patched.json()["full_name"] == "Ayşe Yılmaz"  # not sent: unchanged
    bad = client.patch(url, json={"email": "nope"}, headers=staff)
    assert bad.status_code == 422 and field_of(bad) == ["email"]
    renamed = client.patch(url, json={"full_name": "Ayşe IŞIK"}, headers=staff).json()
    assert renamed["full_name"] == "Ayşe IŞIK"
    assert [m["id"] for m in client.get(URL, params={"q": "ışık"}, headers=staff).json()] == [created["id"]]


def test_consent_change_and_import_cannot_override_an_opt_out(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    created = client.post(URL, json=body(email="a@example.com"), headers=staff).json()
    url = f"{URL}/{created['id']}/consent"
    revoked = client.post(url, json={"channel": "sms", "granted": False, "source": "counter"}, headers=staff)
    assert revoked.status_code == 200 and revoked.json()["consent"]["sms"] is False
    imported = client.post(url, json={"channel": "sms", "granted": True, "source": "import"}, headers=staff)
    assert imported.status_code == 200 and imported.json()["consent"]["sms"] is False
    granted = client.post(url, json={"channel": "email", "granted": True}, headers=staff)
    assert granted.json()["consent"] == {"sms": False, "email": True}
    ledger = client.get(url, headers=staff).json()
    assert [(e["channel"], e["granted"]) for e in ledger] == [
        ("sms", True),
        ("email", False),
        ("sms", False),
        ("email", True),
    ]
    bad = client.post(url, json={"channel": "fax", "granted": True}, headers=staff)
    assert bad.status_code == 422 and "channel" in field_of(bad)
    assert (
        client.post(
            f"{URL}/999999/consent", json={"channel": "sms", "granted": True}, headers=staff
        ).status_code
        == 404
    )


def test_roles(
    client: TestClient, session: Session, marketing: dict[str, str], admin: dict[str, str]
) -> None:
    member = make_member(session)
    one = f"{URL}/{member.id}"
    writes = [
        ("post", URL, body(phone="0533 444 55 66")),
        ("patch", one, {"full_name": "X"}),
        ("post", f"{one}/consent", {"channel": "sms", "granted": False}),
    ]
    reads = [("get", f"{URL}?q=ayşe", None), ("get", one, None), ("get", f"{one}/consent", None)]
    for method, url, payload in writes + reads:
        assert client.request(method, url, json=payload).status_code == 401, (method, url)
    for method, url, payload in writes:
        response = client.request(method, url, json=payload, headers=marketing)
        assert response.status_code == 403, (method, url, response.text)
    for method, url, payload in reads:
        assert client.request(method, url, json=payload, headers=marketing).status_code == 200, (method, url)
    for method, url, payload in writes:
        assert client.request(method, url, json=payload, headers=admin).status_code in (200, 201), (
            method,
            url,
        )
    bogus = {"Authorization": "Bearer not-a-token"}
    assert client.get(one, headers=bogus).status_code == 401


@pytest.mark.postgres_only
def test_two_simultaneous_http_registrations_give_201_and_409(
    committing_engine: Engine, settings: Settings
) -> None:
    """Real commits through the app (no rolled-back test session): one 201, one 409, never a 500."""

    with Session(committing_engine) as session:
        user = make_user(session, role="staff")
        session.commit()
        username = user.username
    app = create_app(settings)
    n = 4
    barrier, statuses = threading.Barrier(n), []
    lock = threading.Lock()
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={"username": username, "password": "secret-pass"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def register(i: int) -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            barrier.wait(10)
            response = client.post(
                URL, json=body(full_name=f"Kişi {i}", phone="0532 555 66 77"), headers=headers
            )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [201] + [409] * (n - 1), statuses
    with Session(committing_engine) as session:
        assert session.exec(select(func.count()).select_from(Member)).one() == 1
