"""Contact changes, the İYS export, stores, users, the shop's setup and the audit log, over HTTP."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from loyalty.accounts.shop import ShopSetup, save_shop_settings, shop_state
from loyalty.core.settings import Settings
from loyalty.core.tokens import member_page_token
from loyalty.models.members import ConsentEvent, Member
from tests.builders import make_member, make_store, make_user

STAFF_PHONE = "0532 111 22 33"


def _register(client: TestClient, headers: dict[str, str], **fields: object) -> dict[str, object]:
    body = {"full_name": "Can Öztürk", "phone": STAFF_PHONE, "email": "can@example.com", **fields}
    body.setdefault("consent", {"sms": True, "email": True})
    response = client.post("/api/v1/members", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _ledger(session: Session, member_id: int) -> list[tuple[str, bool, str]]:
    events = session.exec(
        select(ConsentEvent).where(ConsentEvent.member_id == member_id).order_by(ConsentEvent.id)  # type: ignore[arg-type]
    ).all()
    return [(str(e.channel), e.granted, e.source) for e in events]


# ---- contact changes ---------------------------------------------------------------------------------


def test_a_new_phone_starts_without_consent_and_the_change_is_in_the_ledger(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    member = _register(client, staff)
    changed = client.patch(f"/api/v1/members/{member['id']}", json={"phone": "0533 999 88 77"}, headers=staff)
    assert changed.status_code == 200, changed.text
    assert changed.json()["phone"] == "+905339998877"
    assert changed.json()["consent"] == {"sms": False, "email": True}
    assert _ledger(session, int(member["id"]))[-1] == ("sms", False, "sms changed")


def test_a_new_email_reconfirmed_keeps_consent(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    member = _register(client, staff)
    changed = client.patch(
        f"/api/v1/members/{member['id']}",
        json={"email": "can.yeni@example.com", "consent": {"email": True}},
        headers=staff,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["email"] == "can.yeni@example.com" and changed.json()["consent"]["email"] is True
    assert _ledger(session, int(member["id"]))[-1] == ("email", True, "counter")
    same = client.patch(
        f"/api/v1/members/{member['id']}", json={"email": "can.yeni@example.com"}, headers=staff
    )
    assert same.json()["consent"]["email"] is True  # the same address again is no change


@pytest.mark.parametrize(("field", "value"), [("phone", "12"), ("email", "not-an-address"), ("phone", "")])
def test_bad_contact_is_a_422_naming_the_field(
    client: TestClient, staff: dict[str, str], field: str, value: str
) -> None:
    member = _register(client, staff)
    response = client.patch(f"/api/v1/members/{member['id']}", json={field: value}, headers=staff)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


def test_another_members_phone_is_a_409(client: TestClient, session: Session, staff: dict[str, str]) -> None:
    other = make_member(session, "Deniz Ak", "+905320000001")
    member = _register(client, staff)
    response = client.patch(
        f"/api/v1/members/{member['id']}", json={"phone": "0532 000 00 01"}, headers=staff
    )
    assert response.status_code == 409
    assert response.json()["detail"]["member_id"] == other.id
    session.expire_all()
    found = session.get(Member, int(member["id"]))
    assert found is not None and found.phone == "+905321112233"


# ---- İYS ---------------------------------------------------------------------------------------------


def test_iys_export_in_bulk_format(client: TestClient, staff: dict[str, str], admin: dict[str, str]) -> None:
    since = datetime.now(UTC).isoformat()
    member = _register(client, staff)
    client.post(
        f"/api/v1/members/{member['id']}/consent", json={"channel": "sms", "granted": False}, headers=staff
    )
    response = client.get("/api/v1/consent/iys", params={"since": since}, headers=admin)
    assert response.status_code == 200, response.text
    records = response.json()
    assert [(r["type"], r["recipient"], r["status"]) for r in records] == [
        ("MESAJ", "+905321112233", "ONAY"),
        ("EPOSTA", "can@example.com", "ONAY"),
        ("MESAJ", "+905321112233", "RET"),
    ]
    assert {r["source"] for r in records} == {"HS_FIZIKSEL_ORTAM"}
    assert {r["recipientType"] for r in records} == {"BIREYSEL"}
    assert len(records[0]["consentDate"]) == 19  # YYYY-MM-DD HH:MM:SS
    as_csv = client.get("/api/v1/consent/iys", params={"since": since, "format": "csv"}, headers=admin)
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert rows == records
    assert client.get("/api/v1/consent/iys", params={"since": since}, headers=staff).status_code == 403
    assert client.get("/api/v1/consent/iys", params={"since": "dün"}, headers=admin).status_code == 422
    later = client.get("/api/v1/consent/iys", params={"since": "2999-01-01"}, headers=admin)
    assert later.json() == []


def test_self_service_and_keyword_sources_map_to_iys_codes(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    member = _register(client, staff)
    token = member_page_token("test-secret-key-not-for-production-0123456789", int(member["id"]))
    client.post(f"/api/v1/self/{token}/consent", json={"channel": "email", "granted": False})
    event = session.exec(
        select(ConsentEvent).where(ConsentEvent.member_id == member["id"]).order_by(ConsentEvent.id.desc())  # type: ignore[union-attr]
    ).first()
    assert event is not None and event.iys_source == "HS_WEB" and event.granted is False


# ---- stores ------------------------------------------------------------------------------------------


def test_stores_created_changed_and_listed_by_admins(
    client: TestClient, session: Session, admin: dict[str, str], staff: dict[str, str]
) -> None:
    created = client.post(
        "/api/v1/stores", json={"name": "Kadıköy Şubesi", "timezone": "Europe/Istanbul"}, headers=admin
    )
    assert created.status_code == 201, created.text
    store = created.json()
    assert store["code"] == "kadikoy-subesi"
    assert client.post("/api/v1/stores", json={"name": "X"}, headers=staff).status_code == 403
    bad = client.post("/api/v1/stores", json={"name": "Y", "timezone": "Mars/Olympus"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "timezone"
    taken = client.post("/api/v1/stores", json={"name": "Kadıköy Şubesi"}, headers=admin)
    assert taken.status_code == 409
    turkish = client.post("/api/v1/stores", json={"name": "Üsküdar", "code": "ÜSKÜDAR"}, headers=admin)
    assert turkish.status_code == 201 and turkish.json()["code"] == "ÜSKÜDAR"  # Turkish letters are letters
    spaced = client.post("/api/v1/stores", json={"name": "Ataşehir", "code": "ATA ŞEHİR"}, headers=admin)
    assert spaced.status_code == 422 and "no spaces" in spaced.json()["detail"][0]["msg"]
    changed = client.patch(f"/api/v1/stores/{store['id']}", json={"timezone": "Europe/Berlin"}, headers=admin)
    assert changed.json()["timezone"] == "Europe/Berlin"
    listed = client.get("/api/v1/stores", headers=staff).json()
    assert [s["name"] for s in listed] == ["Kadıköy Şubesi", "Üsküdar"]
    member = _register(client, staff)
    bought = client.post(
        f"/api/v1/members/{member['id']}/purchases",
        json={"amount": "80.50", "receipt_id": "K-1", "store_id": store["id"]},
        headers=staff,
    )
    assert bought.status_code == 201, bought.text
    summary = client.get(f"/api/v1/stores/{store['id']}/summary", headers=admin).json()
    assert (summary["purchases"], summary["revenue"], summary["redemptions"]) == (1, "80.50", 0)
    assert client.patch("/api/v1/stores/999999", json={"name": "Z"}, headers=admin).status_code == 404


# ---- users -------------------------------------------------------------------------------------------


def test_admin_creates_reroles_disables_and_resets_users(
    client: TestClient, session: Session, admin: dict[str, str], staff: dict[str, str]
) -> None:
    created = client.post(
        "/api/v1/users", json={"username": "ayla", "password": "ayla-pass-1", "role": "staff"}, headers=admin
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    assert "password_hash" not in created.json()
    login = client.post("/api/v1/auth/token", data={"username": "ayla", "password": "ayla-pass-1"})
    assert login.status_code == 200
    ayla = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=ayla).json()["role"] == "staff"
    rerole = client.patch(f"/api/v1/users/{user_id}", json={"role": "marketing"}, headers=admin)
    assert rerole.json()["role"] == "marketing"
    assert client.get("/api/v1/auth/me", headers=ayla).json()["role"] == "marketing"
    disabled = client.patch(f"/api/v1/users/{user_id}", json={"is_active": False}, headers=admin)
    assert disabled.json()["is_active"] is False
    assert client.get("/api/v1/auth/me", headers=ayla).status_code == 401
    enabled = client.patch(f"/api/v1/users/{user_id}", json={"is_active": True}, headers=admin)
    assert enabled.json()["is_active"] is True
    reset = client.post(
        f"/api/v1/users/{user_id}/password", json={"password": "yeni-parola-2"}, headers=admin
    )
    assert reset.status_code == 200
    assert (
        client.post("/api/v1/auth/token", data={"username": "ayla", "password": "ayla-pass-1"}).status_code
        == 401
    )
    assert (
        client.post("/api/v1/auth/token", data={"username": "ayla", "password": "yeni-parola-2"}).status_code
        == 200
    )
    short = client.post(f"/api/v1/users/{user_id}/password", json={"password": "kısa"}, headers=admin)
    assert short.status_code == 422 and short.json()["detail"][0]["loc"][-1] == "password"
    assert client.get("/api/v1/users", headers=staff).status_code == 403
    names = [u["username"] for u in client.get("/api/v1/users", headers=admin).json()]
    assert "ayla" in names
    dup = client.post(
        "/api/v1/users", json={"username": "ayla", "password": "x" * 10, "role": "staff"}, headers=admin
    )
    assert dup.status_code == 409


def test_the_last_admin_stays_an_admin(client: TestClient, session: Session, admin: dict[str, str]) -> None:
    me = client.get("/api/v1/auth/me", headers=admin).json()
    assert (
        client.patch(f"/api/v1/users/{me['id']}", json={"is_active": False}, headers=admin).status_code == 422
    )
    demoted = client.patch(f"/api/v1/users/{me['id']}", json={"role": "staff"}, headers=admin)
    assert demoted.status_code == 409
    other = make_user(session, role="admin")
    assert client.patch(f"/api/v1/users/{me['id']}", json={"role": "staff"}, headers=admin).status_code == 200
    assert other.id


# ---- first-run setup ---------------------------------------------------------------------------------


def test_shop_setup_is_stored_and_applied_unless_the_environment_sets_it(
    client: TestClient, admin: dict[str, str], staff: dict[str, str]
) -> None:
    state = client.get("/api/v1/shop", headers=admin).json()
    assert state["setup_done"] is False
    body = {
        "shop_name": "Moda Pastanesi",
        "timezone": "Europe/Istanbul",
        "country": "tr",
        "card_visits_needed": 5,
        "card_window_days": 90,
        "quiet_hours_start": 22,
        "quiet_hours_end": 8,
    }
    assert client.put("/api/v1/shop", json=body, headers=staff).status_code == 403
    saved = client.put("/api/v1/shop", json=body, headers=admin)
    assert saved.status_code == 200, saved.text
    view = saved.json()
    assert view["setup_done"] is True and view["shop_name"] == "Moda Pastanesi" and view["country"] == "TR"
    assert view["card_visits_needed"] == 5 and view["quiet_hours_start"] == 22
    assert client.app.state.settings.card_visits_needed == 5  # type: ignore[attr-defined]
    bad = client.put("/api/v1/shop", json={"quiet_hours_end": 24}, headers=admin)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "quiet_hours_end"
    assert client.put("/api/v1/shop", json={"timezone": "Nowhere/Land"}, headers=admin).status_code == 422
    assert client.put("/api/v1/shop", json={"country": "XX"}, headers=admin).status_code == 422


def test_environment_wins_over_the_stored_setup(session: Session) -> None:
    save_shop_settings(session, ShopSetup(shop_name="Kayıtlı Ad", card_window_days=30))
    base = Settings(env="test", secret_key="k" * 40, shop_name="Ortamdan Ad")
    view, effective = shop_state(session, base)
    assert effective.shop_name == "Ortamdan Ad" and effective.card_window_days == 30
    assert view.from_environment == ["shop_name"]


# ---- audit -------------------------------------------------------------------------------------------


def test_every_write_by_a_user_is_in_the_audit_log(
    client: TestClient, session: Session, staff: dict[str, str], admin: dict[str, str]
) -> None:
    member = _register(client, staff)
    member_id = member["id"]
    client.patch(f"/api/v1/members/{member_id}", json={"locale": "en"}, headers=staff)
    client.post(
        f"/api/v1/members/{member_id}/occasions",
        json={"kind": "birthday", "date": "1990-04-02", "purpose": "doğum günüm", "recurrence": "yearly"},
        headers=staff,
    )
    store = client.post("/api/v1/stores", json={"name": "Moda"}, headers=admin).json()
    entries = client.get("/api/v1/audit", params={"target": f"member:{member_id}"}, headers=admin).json()
    kinds = {(e["action"], e["target_type"]) for e in entries}
    assert {
        ("insert", "member"),
        ("update", "member"),
        ("insert", "occasion"),
        ("insert", "consent"),
    } <= kinds
    update = next(e for e in entries if e["action"] == "update" and e["target_type"] == "member")
    assert update["changes"]["locale"] == ["tr", "en"]
    assert update["actor"].startswith("user:staff-")
    inserted = next(e for e in entries if e["action"] == "insert" and e["target_type"] == "member")
    assert inserted["changes"]["full_name"] == [None, "(personal)"]  # named, never copied
    occasion = next(e for e in entries if e["target_type"] == "occasion")
    assert occasion["changes"]["purpose"] == [None, "(personal)"]
    by_actor = client.get(
        "/api/v1/audit", params={"actor": update["actor"].split(":", 1)[1]}, headers=admin
    ).json()
    assert by_actor and all(e["actor"] == update["actor"] for e in by_actor)
    stores = client.get("/api/v1/audit", params={"target": f"store:{store['id']}"}, headers=admin).json()
    assert [(e["action"], e["changes"]["name"]) for e in stores] == [("insert", [None, "Moda"])]
    future = client.get("/api/v1/audit", params={"from": "2999-01-01T00:00:00+00:00"}, headers=admin).json()
    assert future == []
    assert client.get("/api/v1/audit", params={"target": "member:x"}, headers=admin).status_code == 422
    assert client.get("/api/v1/audit", headers=staff).status_code == 403


def test_store_builder_still_works(session: Session) -> None:
    assert make_store(session).id


def test_a_members_home_store(client: TestClient, session: Session, staff: dict[str, str]) -> None:
    store = make_store(session, code="KDK")
    member = _register(client, staff, home_store_id=store.id)
    assert member["home_store_id"] == store.id
    cleared = client.patch(f"/api/v1/members/{member['id']}", json={"home_store_id": None}, headers=staff)
    assert cleared.json()["home_store_id"] is None
    bad = client.patch(f"/api/v1/members/{member['id']}", json={"home_store_id": 999999}, headers=staff)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "home_store_id"
