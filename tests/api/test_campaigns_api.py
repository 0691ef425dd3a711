"""HTTP: create a yearly Kurban Bayramı campaign, see its next two send dates, preview, results, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import Session

from loyalty.holidays.calendar import holiday_date
from loyalty.models.cards import Card, CardStatus
from tests.builders import make_member

BODY: dict[str, Any] = {
    "name": "Bayram %15",
    "trigger": {"type": "holiday", "holiday_key": "kurban_bayrami", "days_before": 2, "send_time": "10:00"},
    "audience": {"card_holders_only": True},
    "offer": {"kind": "percent", "value": "15", "valid_days": 7},
    "channel": "preferred",
}
IST = ZoneInfo("Europe/Istanbul")


def _send_dates(count: int) -> list[tuple[str, datetime]]:
    """Every year from now: 2 days before Kurban Bayramı at 10:00 Istanbul, from the holidays package."""
    now = datetime.now(UTC)
    out = []
    year = now.year
    while len(out) < count:
        day = holiday_date("kurban_bayrami", year) - timedelta(days=2)
        at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=IST).astimezone(UTC)
        if at >= now:
            out.append((str(year), at))
        year += 1
    return out


def test_marketing_creates_a_yearly_kurban_campaign(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    created = client.post("/api/v1/campaigns", json=BODY, headers=marketing)
    assert created.status_code == 201, created.text
    body = created.json()
    (first_key, first_at), (second_key, second_at) = _send_dates(2)
    assert datetime.fromisoformat(body["scheduled_for"]) == first_at
    local = first_at.astimezone(IST)
    assert body["scheduled_local"] == f"{local.date().isoformat()}T10:00 Europe/Istanbul"
    assert body["status"] == "scheduled" and body["trigger"]["every_year"] is True
    assert body["created_by"].startswith("user:marketing")

    detail = client.get(f"/api/v1/campaigns/{body['id']}", headers=marketing).json()
    runs = [(r["run_key"], datetime.fromisoformat(r["scheduled_for"])) for r in detail["runs"]]
    assert runs == [(first_key, first_at), (second_key, second_at)]  # e.g. 2027 and 2028: the bayram moves
    assert detail["stats"]["targeted"] == 0 and detail["stats"]["per_day"] == []

    listed = client.get("/api/v1/campaigns", headers=marketing).json()
    assert body["id"] in [c["id"] for c in listed]


def test_preview_counts_renders_and_prices(
    client: TestClient, session: Session, marketing: dict[str, str], settings: Any
) -> None:
    sms_tr = make_member(session, "Ayşe Yılmaz")
    sms_en = make_member(session, "Emma Smith", locale="en", timezone="Europe/London")
    email = make_member(session, "Can Öz", sms=False, email="can@example.com", email_opt_in=True)
    no_card = make_member(session)
    for i, m in enumerate((sms_tr, sms_en, email)):
        session.add(
            Card(
                member_id=m.id or 0,
                number=f"40000000000000{i:02d}",
                holder_name="x",
                status=CardStatus.active,
            )
        )
    session.flush()
    created = client.post("/api/v1/campaigns", json=BODY, headers=marketing).json()
    preview = client.post(f"/api/v1/campaigns/{created['id']}/preview", headers=marketing)
    assert preview.status_code == 200, preview.text
    p = preview.json()
    assert no_card.id and p["audience"] == {"sms": 2, "email": 1, "total": 3}
    samples = {(s["locale"], s["channel"]): s for s in p["samples"]}
    assert set(samples) == {("tr", "sms"), ("tr", "email"), ("en", "sms"), ("en", "email")}
    tr_sms = samples[("tr", "sms")]
    assert "Kurban Bayramı" in tr_sms["text"] and "%15 indirim" in tr_sms["text"]
    # the dev outbox stands in for the Turkish gateway: Turkish letters as GSM-7 national characters on a
    # Turkish number; a number abroad pays UCS-2
    assert tr_sms["encoding"] == "GSM-7 TR" and tr_sms["forced_by"] is None
    abroad = next(part for part in tr_sms["parts"] if part["route"] == "international")
    assert abroad["encoding"] == "UCS-2" and "ı" in abroad["forced_by"]
    assert "Eid al-Adha" in samples[("en", "email")]["subject"]
    cost = p["estimated_cost"]
    segments = tr_sms["segments"] + samples[("en", "sms")]["segments"]
    assert cost["sms_segments"] == segments and cost["emails"] == 1
    expected = settings.sms_price_per_segment * segments + settings.email_price
    assert float(cost["total"]) == float(expected)


def test_validation_errors_name_the_field(client: TestClient, marketing: dict[str, str]) -> None:
    cases = [
        ({"trigger": {**BODY["trigger"], "holiday_key": "nope"}}, "trigger.holiday_key"),
        ({"trigger": {**BODY["trigger"], "send_time": "10.00"}}, "trigger.send_time"),
        ({"offer": {"kind": "percent", "value": "120", "valid_days": 7}}, "offer.value"),
        ({"offer": {"kind": "amount", "value": "-5", "valid_days": 7}}, "offer.value"),
        ({"trigger": {"type": "date", "send_at": "2020-01-01T10:00"}}, "trigger.send_at"),
    ]
    for change, field in cases:
        response = client.post("/api/v1/campaigns", json=BODY | change, headers=marketing)
        assert response.status_code == 422, (change, response.text)
        assert response.json()["detail"][0]["loc"] == ["body", field]
    bad_type = client.post("/api/v1/campaigns", json=BODY | {"channel": "pigeon"}, headers=marketing)
    assert bad_type.status_code == 422


def test_cancel_and_roles(client: TestClient, marketing: dict[str, str], staff: dict[str, str]) -> None:
    assert client.post("/api/v1/campaigns", json=BODY, headers=staff).status_code == 403
    created = client.post("/api/v1/campaigns", json=BODY, headers=marketing).json()
    cancelled = client.post(f"/api/v1/campaigns/{created['id']}/cancel", headers=marketing)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["scheduled_for"] is None
    detail = client.get(f"/api/v1/campaigns/{created['id']}", headers=marketing).json()
    assert [r["status"] for r in detail["runs"]] == ["cancelled"]
    assert client.get("/api/v1/campaigns/999999", headers=marketing).status_code == 404
