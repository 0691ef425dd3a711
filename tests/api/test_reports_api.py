"""HTTP, issue 13: NPS overall and per store, campaign, segment and month; the NPS trend chart; detractor
comments and their follow-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from loyalty.models.purchases import Feedback
from loyalty.models.segments import Segment
from tests.api.test_marketing_api import assert_self_contained
from tests.builders import make_campaign_run, make_coupon, make_member, make_purchase, make_store


def _feedback(session: Session, member: Any, score: int, at: datetime, **fields: Any) -> Feedback:
    row = Feedback(member_id=member.id, score=score, created_at=at, **fields)
    session.add(row)
    session.flush()
    return row


MAY = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
JUNE = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def _world(session: Session) -> dict[str, Any]:
    kadikoy, besiktas = make_store(session, name="Kadıköy"), make_store(session, name="Beşiktaş")
    ayse = make_member(session, "Ayşe", home_store_id=kadikoy.id)
    can = make_member(session, "Can", home_store_id=kadikoy.id)
    elif_ = make_member(session, "Elif")
    at_besiktas = make_purchase(session, elif_, "80.00")
    at_besiktas.store_id = besiktas.id
    session.add(at_besiktas)
    run = make_campaign_run(session, name="Anneler Günü")
    make_coupon(
        session, ayse, run=run, valid_from=MAY - timedelta(days=2), expires_at=MAY + timedelta(days=5)
    )
    _feedback(session, ayse, 10, MAY)  # promoter, Kadıköy (home), during the campaign's coupon
    _feedback(session, can, 3, MAY, comment="Kasada çok bekledim")  # detractor, Kadıköy
    _feedback(session, elif_, 8, JUNE, purchase_id=at_besiktas.id)  # passive, Beşiktaş (the purchase's store)
    _feedback(session, elif_, 0, JUNE + timedelta(days=1), comment="Kupon çalışmadı")  # detractor, no store
    _feedback(session, ayse, 9, datetime(2025, 1, 5, tzinfo=UTC))  # outside the range asked
    return {"kadikoy": kadikoy, "besiktas": besiktas, "run": run, "ayse": ayse, "can": can, "elif": elif_}


def test_nps_overall_and_per_month_store_campaign_and_segment(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    world = _world(session)
    url = "/api/v1/reports/nps?from=2026-05-01&to=2026-06-30"
    monthly = client.get(url + "&group_by=month", headers=marketing)
    assert monthly.status_code == 200, monthly.text
    body = monthly.json()
    assert body["overall"] == {"responses": 4, "promoters": 1, "passives": 1, "detractors": 2, "score": -25.0}
    assert [(g["key"], g["label"], g["score"]) for g in body["groups"]] == [
        ("2026-05", "May 2026", 0.0),
        ("2026-06", "Haz 2026", -50.0),
    ]

    stores = client.get(url + "&group_by=store", headers=marketing).json()["groups"]
    by_store = {g["label"]: (g["responses"], g["score"]) for g in stores}
    assert by_store == {"Beşiktaş": (1, 0.0), "Kadıköy": (2, 0.0), "Mağaza yok": (1, -100.0)}

    campaigns = client.get(url + "&group_by=campaign", headers=marketing).json()["groups"]
    assert [(g["key"], g["responses"], g["promoters"]) for g in campaigns] == [
        (str(world["run"].campaign_id), 1, 1)
    ]

    session.add(Segment(name="Kadıköy", filter={"store_id": world["kadikoy"].id}, created_by="t"))
    session.flush()
    segments = client.get(url + "&group_by=segment", headers=marketing).json()["groups"]
    assert [(g["label"], g["responses"], g["score"]) for g in segments] == [("Kadıköy", 2, 0.0)]


def test_nps_bad_input_names_the_field(
    client: TestClient, marketing: dict[str, str], staff: dict[str, str]
) -> None:
    bad = client.get("/api/v1/reports/nps?group_by=weather", headers=marketing)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "group_by"]
    bad = client.get("/api/v1/reports/nps?from=2026-13-01", headers=marketing)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "from"]
    reversed_ = client.get("/api/v1/reports/nps?from=2026-06-01&to=2026-05-01", headers=marketing)
    assert reversed_.status_code == 422 and reversed_.json()["detail"][0]["loc"] == ["body", "from"]
    assert client.get("/api/v1/reports/nps", headers=staff).status_code == 403
    empty = client.get("/api/v1/reports/nps?from=2020-01-01&to=2020-01-31", headers=marketing).json()
    assert empty["overall"]["responses"] == 0 and empty["overall"]["score"] is None


def test_nps_trend_chart_is_a_self_contained_svg(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    _world(session)
    url = "/api/v1/reports/nps/chart.svg?from=2026-04-01&to=2026-06-30&lang=en"
    chart = client.get(url, headers=marketing)
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    # every month of the range: April has no response (a gap), May and June do
    assert "NPS trend" in chart.text and all(m in chart.text for m in ("Apr 2026", "May 2026", "Jun 2026"))
    assert 'viewBox="0 0 900 420"' in chart.text
    assert_self_contained(chart.text)
    narrow = client.get(url + "&width=360", headers=marketing)
    assert 'viewBox="0 0 360 342"' in narrow.text
    too_narrow = client.get(url + "&width=10", headers=marketing)
    assert too_narrow.status_code == 422 and too_narrow.json()["detail"][0]["loc"] == ["query", "width"]


def test_detractor_comments_are_followed_up_by_staff(
    client: TestClient, session: Session, marketing: dict[str, str], staff: dict[str, str]
) -> None:
    _world(session)
    url = "/api/v1/reports/detractors?from=2026-05-01&to=2026-06-30"
    open_ = client.get(url, headers=staff).json()
    assert [(d["member_name"], d["comment"], d["followup"]) for d in open_] == [
        ("Elif", "Kupon çalışmadı", "open"),
        ("Can", "Kasada çok bekledim", "open"),
    ]
    first = open_[0]["id"]
    moved = client.patch(
        f"/api/v1/feedback/{first}/followup",
        json={"followup": "contacted", "note": " Arandı "},
        headers=staff,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["followup"] == "contacted" and moved.json()["followup_note"] == "Arandı"
    assert moved.json()["followup_by"].startswith("user:staff")
    assert [d["member_name"] for d in client.get(url, headers=marketing).json()] == ["Can"]
    contacted = client.get(url + "&followup=contacted", headers=marketing).json()
    assert [d["id"] for d in contacted] == [first]
    resolved = client.patch(
        f"/api/v1/feedback/{first}/followup", json={"followup": "resolved"}, headers=staff
    )
    assert resolved.json()["followup"] == "resolved" and resolved.json()["followup_note"] == "Arandı"
    assert len(client.get(url + "&followup=all", headers=marketing).json()) == 2

    bad = client.patch(f"/api/v1/feedback/{first}/followup", json={"followup": "forgotten"}, headers=staff)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "followup"]
    promoter = session.exec(select(Feedback).where(Feedback.score == 10)).first()
    assert promoter is not None
    refused = client.patch(
        f"/api/v1/feedback/{promoter.id}/followup", json={"followup": "open"}, headers=staff
    )
    assert refused.status_code == 422
    missing = client.patch("/api/v1/feedback/999999/followup", json={"followup": "open"}, headers=staff)
    assert missing.status_code == 404
