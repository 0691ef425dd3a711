"""HTTP: GET /occasions/{id}/preview (issue 10): what an occasion will send, per channel, in the member's
language, with the local send date; occasion campaign previews through the same builder; the inbound
opt-out keyword answered once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from loyalty.core.settings import Settings
from loyalty.models.messages import Message
from tests.builders import make_member

INBOUND = "/api/v1/webhooks/twilio/inbound"


def _today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Istanbul")).date()


def _occasion(
    client: TestClient, headers: dict[str, str], member_id: int, on: date, **fields: object
) -> dict:  # type: ignore[type-arg]
    body = {"kind": "birthday", "date": f"--{on:%m-%d}", "purpose": "çikolatalı pastayı çok sever"} | fields
    response = client.post(f"/api/v1/members/{member_id}/occasions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_counter_shows_what_an_occasion_will_send(
    client: TestClient, session: Session, staff: dict[str, str], marketing: dict[str, str]
) -> None:
    ayse = make_member(session, full_name="Ayşe Yılmaz", email="a@example.com", email_opt_in=True)
    on = _today() + timedelta(days=5)
    occasion = _occasion(
        client, staff, ayse.id or 0, on, for_whom="daughter", relation_name="Elif", remind_days_before=3
    )
    assert (occasion["for_whom_label"], occasion["for_whom_addressed"]) == ("kızım Elif", "kızınız Elif")
    campaign = {
        "name": "Doğum günü hediyesi",
        "trigger": {"type": "occasion", "kinds": ["birthday"], "days_before": 1, "send_time": "10:00"},
        "offer": {"kind": "percent", "value": "20", "valid_days": 3},
        "channel": "both",
    }
    created = client.post("/api/v1/campaigns", json=campaign, headers=marketing)
    assert created.status_code == 201, created.text

    response = client.get(f"/api/v1/occasions/{occasion['id']}/preview", headers=staff)
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["locale"] == "tr" and view["occasion_on"] == on.isoformat()
    by = {(m["what"], m["channel"]): m for m in view["messages"]}
    assert set(by) == {("reminder", "sms"), ("coupon", "sms"), ("coupon", "email")}
    reminder = by[("reminder", "sms")]
    assert reminder["send_on"] == (on - timedelta(days=3)).isoformat()
    assert reminder["send_local"].endswith("T10:00 Europe/Istanbul")
    assert "kızınız Elif'in doğum günü yaklaşıyor" in reminder["text"] and "kızım" not in reminder["text"]
    # the member's Turkish number on the dev outbox (which stands in for the Turkish gateway): GSM-7 TR
    assert reminder["encoding"] == "GSM-7 TR" and reminder["segments"] <= 2 and reminder["forced_by"] is None
    assert [p["backend"] for p in reminder["parts"]] == ["outbox"]
    assert "RET" in reminder["text"] and "/m/" in reminder["text"]
    sms, email = by[("coupon", "sms")], by[("coupon", "email")]
    assert sms["send_on"] == email["send_on"] == (on - timedelta(days=1)).isoformat()
    assert sms["campaign_id"] == created.json()["id"] and sms["sample_code"] is True
    last = on - timedelta(days=1) + timedelta(days=3)
    assert "%20 indirim" in sms["text"] and f"son gün {last.day} " in sms["text"]
    assert "Kızınız Elif'in doğum günü" in email["subject"] and "/m/" in email["text"]

    # the same builder in the campaign's own preview: the occasion text, not a generic holiday one
    preview = client.post(f"/api/v1/campaigns/{created.json()['id']}/preview", headers=marketing)
    assert preview.status_code == 200, preview.text
    samples = {(s["locale"], s["channel"]): s for s in preview.json()["samples"]}
    # the day before: "yaklaşıyor", never "iyi ki doğdunuz" before the day
    assert "doğum gününüz yaklaşıyor" in samples[("tr", "sms")]["text"]
    assert "your birthday is coming up" in samples[("en", "sms")]["text"]
    assert "doğdunuz" not in samples[("tr", "sms")]["text"]
    assert "özel bir hediyemiz var" not in samples[("tr", "email")]["text"]

    assert client.get("/api/v1/occasions/999999/preview", headers=staff).status_code == 404


def test_an_english_member_reads_it_in_english_and_a_retired_one_sends_nothing(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    emma = make_member(session, full_name="Emma Smith", locale="en", timezone="Europe/London")
    on = _today() + timedelta(days=10)
    occasion = _occasion(client, staff, emma.id or 0, on, for_whom="mother", remind_days_before=7)
    view = client.get(f"/api/v1/occasions/{occasion['id']}/preview", headers=staff).json()
    [reminder] = view["messages"]
    assert view["locale"] == "en" and reminder["send_local"].endswith("T10:00 Europe/London")
    assert (
        "your mother's birthday is coming up" in reminder["text"]
        and "Reply STOP to opt out." in reminder["text"]
    )
    client.delete(f"/api/v1/occasions/{occasion['id']}", headers=staff)
    retired = client.get(f"/api/v1/occasions/{occasion['id']}/preview", headers=staff).json()
    assert retired["messages"] == [] and retired["notes"]


def test_ret_lutfen_opts_out_and_is_answered_once(app: FastAPI, settings: Settings, session: Session) -> None:
    token = "twilio-auth-token-for-tests"
    app.state.settings = settings.model_copy(
        update={"twilio_auth_token": token, "public_base_url": "https://shop.example.com"}
    )
    client = TestClient(app)
    member = make_member(session)
    form = {"From": member.phone, "Body": "Ret lütfen", "MessageSid": "SMinbound42"}
    signature = RequestValidator(token).compute_signature(f"https://shop.example.com{INBOUND}", form)
    for _ in range(2):  # a replayed webhook
        response = client.post(INBOUND, data=form, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200
    session.refresh(member)
    assert member.sms_opt_in is False
    replies = session.exec(select(Message).where(Message.member_id == member.id)).all()
    assert [(m.purpose, m.dedupe_key) for m in replies] == [
        ("sms_opt_out_confirmation", "optout:SMinbound42")
    ]
