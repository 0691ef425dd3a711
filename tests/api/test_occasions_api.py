"""HTTP: occasions with their purpose, the upcoming list, retire, pause and resume."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import Session

from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.messages import Category, Message
from tests.builders import make_member


def _today_in(zone: str) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(zone)).date()


def test_add_list_and_retire(client: TestClient, session: Session, staff: dict[str, str]) -> None:
    member = make_member(session)
    body = {
        "kind": "birthday",
        "date": "2015-03-14",
        "for_whom": "daughter",
        "relation_name": "Elif",
        "purpose": "Kızım Elif'in doğum günü, pasta alıyoruz",
    }
    created = client.post(f"/api/v1/members/{member.id}/occasions", json=body, headers=staff)
    assert created.status_code == 201, created.text
    occasion = created.json()
    assert occasion["recurrence"] == "yearly" and occasion["remind_days_before"] == 3
    assert occasion["for_whom_label"] == "kızım Elif" and occasion["purpose"] == body["purpose"]
    assert occasion["stated_by"].startswith("user:staff-") and occasion["status"] == "active"
    assert occasion["date"] == "2015-03-14" and occasion["next_occurrence"] is not None

    listed = client.get(f"/api/v1/members/{member.id}/occasions", headers=staff)
    assert [o["id"] for o in listed.json()] == [occasion["id"]]

    retired = client.delete(f"/api/v1/occasions/{occasion['id']}", headers=staff)
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    assert retired.json()["next_occurrence"] is None
    assert client.get(f"/api/v1/members/{member.id}/occasions", headers=staff).json() == []
    with_retired = client.get(f"/api/v1/members/{member.id}/occasions?include_retired=true", headers=staff)
    assert [o["status"] for o in with_retired.json()] == ["retired"]
    assert client.delete("/api/v1/occasions/999999", headers=staff).status_code == 404


def test_validation_422_names_the_field(client: TestClient, session: Session, staff: dict[str, str]) -> None:
    member = make_member(session)
    url = f"/api/v1/members/{member.id}/occasions"
    cases = [
        ({"kind": "birthday", "date": "2026-02-30", "purpose": "x"}, "date"),
        ({"kind": "birthday", "date": "05-01", "purpose": ""}, "purpose"),
        ({"kind": "new_job", "date": "05-01", "purpose": "yeni iş"}, "date"),
        (
            {"kind": "birthday", "date": "05-01", "purpose": "x", "remind_days_before": 99},
            "remind_days_before",
        ),
    ]
    for body, field in cases:
        response = client.post(url, json=body, headers=staff)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"][0]["loc"][-1] == field
    missing = client.post(url, json={"kind": "birthday", "date": "05-01"}, headers=staff)
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"][-1] == "purpose"
    assert (
        client.post(
            "/api/v1/members/999999/occasions", json=cases[0][0] | {"date": "05-01"}, headers=staff
        ).status_code
        == 404
    )


def test_upcoming_uses_each_members_today(
    client: TestClient, session: Session, staff: dict[str, str], marketing: dict[str, str]
) -> None:
    istanbul = make_member(session, full_name="Zeynep Kaya")
    kiritimati = make_member(session, timezone="Pacific/Kiritimati")
    in_two = _today_in("Europe/Istanbul") + timedelta(days=2)
    k_today = _today_in("Pacific/Kiritimati")
    for member, when in ((istanbul, in_two), (kiritimati, k_today)):
        body = {
            "kind": "wedding_anniversary",
            "date": f"{when.month:02d}-{when.day:02d}",
            "purpose": "yıldönümümüz",
        }
        assert (
            client.post(f"/api/v1/members/{member.id}/occasions", json=body, headers=staff).status_code == 201
        )

    response = client.get("/api/v1/occasions/upcoming?days=3", headers=marketing)
    assert response.status_code == 200, response.text
    found = {o["member_id"]: o for o in response.json()}
    assert found[istanbul.id]["days_until"] == 2 and found[istanbul.id]["date"] == in_two.isoformat()
    assert (
        found[istanbul.id]["purpose"] == "yıldönümümüz" and found[istanbul.id]["member_name"] == "Zeynep Kaya"
    )
    assert found[kiritimati.id]["days_until"] == 0

    only_today = client.get("/api/v1/occasions/upcoming?days=1", headers=staff).json()
    assert istanbul.id not in {o["member_id"] for o in only_today}
    births = client.get("/api/v1/occasions/upcoming?days=3&kind=birthday", headers=staff).json()
    assert births == []
    for bad in (0, 367):
        assert client.get(f"/api/v1/occasions/upcoming?days={bad}", headers=staff).status_code == 422
    assert client.get("/api/v1/occasions/upcoming?days=3").status_code == 401


def test_pause_and_resume(
    client: TestClient, session: Session, staff: dict[str, str], marketing: dict[str, str]
) -> None:
    member = make_member(session)
    [message_id] = queue(
        session,
        [
            MessageRow(
                member_id=member.id,
                requested_channel="sms",
                dedupe_key="coupon:api-pause",
                purpose="holiday_coupon",
                category=Category.promotional,
            )
        ],
    )
    until = (_today_in("Europe/Istanbul") + timedelta(days=30)).isoformat()
    paused = client.post(f"/api/v1/members/{member.id}/pause", json={"until": until}, headers=staff)
    assert paused.status_code == 200, paused.text
    assert paused.json()["paused"] is True and paused.json()["paused_until"].startswith(
        (_today_in("Europe/Istanbul") + timedelta(days=30)).isoformat()
    )  # paused through that day: it ends at the next midnight in Istanbul, 21:00 UTC that evening
    message = session.get(Message, message_id)
    assert message is not None
    session.refresh(message)
    assert message.state == "cancelled"

    open_ended = client.post(f"/api/v1/members/{member.id}/pause", headers=staff)
    assert open_ended.status_code == 200 and open_ended.json()["paused_until"] is None
    past = client.post(f"/api/v1/members/{member.id}/pause", json={"until": "2020-01-01"}, headers=staff)
    assert past.status_code == 422 and past.json()["detail"][0]["loc"][-1] == "until"

    resumed = client.post(f"/api/v1/members/{member.id}/resume", headers=staff)
    assert resumed.json() == {"member_id": member.id, "paused": False, "paused_until": None}
    assert client.post("/api/v1/members/999999/pause", headers=staff).status_code == 404
    # recording what a member said is counter work: marketing cannot pause a member
    assert client.post(f"/api/v1/members/{member.id}/pause", headers=marketing).status_code == 403
