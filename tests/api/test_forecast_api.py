"""GET /api/v1/forecast (issue 19 point 10): the real code played ahead, rolled back, nothing written."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from loyalty.core.clock import utcnow
from loyalty.models.messages import Message
from loyalty.models.occasions import Occasion
from tests.builders import make_member


def test_the_forecast_shows_a_coming_reminder_and_writes_nothing(
    client: TestClient, session: Session, marketing: dict[str, str], staff: dict[str, str]
) -> None:
    member = make_member(session, full_name="Deniz Ak", timezone="Europe/Berlin")
    day = (utcnow() + timedelta(days=5)).date()
    occasion = Occasion(
        member_id=member.id or 0,
        kind="birthday",
        purpose="lale",
        month=day.month,
        day=day.day,
        recurrence="yearly",
        remind_days_before=2,
        stated_by="member",
    )
    session.add(occasion)
    session.flush()
    answer = client.get("/api/v1/forecast", params={"days": 7, "member_id": member.id}, headers=marketing)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    [reminder] = body["messages"]
    assert (reminder["member_id"], reminder["occasion_id"], reminder["fate"]) == (
        member.id,
        occasion.id,
        "send",
    )
    assert (
        reminder["local_send_at"].startswith(f"{day - timedelta(days=2)}T10:00") and reminder["segments"] >= 1
    )
    assert body["totals"][0]["messages"] == 1 and body["totals"][0]["channel"] == "sms"
    assert session.exec(select(Message).where(Message.member_id == member.id)).all() == []  # rolled back

    too_far = client.get("/api/v1/forecast", params={"days": 401}, headers=marketing)
    assert too_far.status_code == 422 and "days" in too_far.text
    assert client.get("/api/v1/forecast", headers=staff).status_code == 403


def test_a_drafts_effect_per_week_and_nothing_written(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    for n in range(2):
        make_member(session, full_name=f"Etki {n}")
    send_at = (utcnow() + timedelta(days=3)).date().isoformat() + "T11:00"
    body = {
        "name": "Etki",
        "trigger": {"type": "date", "send_at": send_at},
        "offer": {"kind": "percent", "value": "10", "valid_days": 3},
        "channel": "sms",
        "draft": True,
    }
    draft = client.post("/api/v1/campaigns", json=body, headers=marketing).json()
    answer = client.get(f"/api/v1/campaigns/{draft['id']}/forecast", params={"days": 14}, headers=marketing)
    assert answer.status_code == 200, answer.text
    effect = answer.json()
    [week] = effect["weeks"]
    assert (week["messages"], week["sms"], week["emails"]) == (2, 2, 0)
    assert week["sms_segments"] >= 2 and float(week["cost"]) > 0 and effect["total"]["messages"] == 2
    assert effect["status"] == "draft" and effect["affected"] == []
    shown = client.get(f"/api/v1/campaigns/{draft['id']}", headers=marketing).json()
    assert shown["status"] == "draft"  # scheduled only inside the rolled-back play
    assert session.exec(select(Message)).all() == []

    assert client.get("/api/v1/campaigns/999999/forecast", headers=marketing).status_code == 404
    too_far = client.get(f"/api/v1/campaigns/{draft['id']}/forecast?days=401", headers=marketing)
    assert too_far.status_code == 422 and "days" in too_far.text
