"""HTTP, issue 13: saved segments and the live count, a campaign on a segment, drafts scheduled after a test
send, overlaps and the cap, results as a chart, a CSV and year over year."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from loyalty.core.clock import utcnow
from loyalty.models.campaigns import Campaign, CampaignRun
from loyalty.models.coupons import Coupon
from loyalty.models.messages import Category, Message, MessageState
from tests.builders import make_campaign_run, make_coupon, make_member, make_purchase, make_store

BODY: dict[str, Any] = {
    "name": "Kurban %15",
    "trigger": {"type": "holiday", "holiday_key": "kurban_bayrami", "days_before": 2, "send_time": "10:00"},
    "offer": {"kind": "percent", "value": "15", "valid_days": 7},
    "channel": "sms",
}


def _member(session: Session, name: str = "Ayşe Yılmaz", **fields: Any) -> Any:
    member = make_member(session, name, **fields)
    make_purchase(session, member, "120.00")  # a recent buyer: in any default audience
    return member


def _create(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post("/api/v1/campaigns", json={**BODY, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


# ---- segments


def test_segments_crud_count_and_a_campaign_on_a_segment(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    store = make_store(session)
    at_store = _member(session, "Mağaza Üyesi", home_store_id=store.id)
    _member(session, "Başka Üye")
    filt = {"store_id": store.id}
    count = client.post("/api/v1/segments/count", json={"filter": filt, "channel": "sms"}, headers=marketing)
    assert count.status_code == 200 and count.json() == {"total": 1, "sms": 1, "email": 0}

    created = client.post(
        "/api/v1/segments", json={"name": " Kadıköy  müdavimleri ", "filter": filt}, headers=marketing
    )
    assert created.status_code == 201, created.text
    segment = created.json()
    assert segment["name"] == "Kadıköy müdavimleri" and segment["members"]["total"] == 1
    assert segment["filter"] == filt
    again = client.post("/api/v1/segments", json={"name": "Kadıköy müdavimleri"}, headers=marketing)
    assert again.status_code == 409

    campaign = _create(client, marketing, audience={"segment_id": segment["id"]}, draft=True)
    assert campaign["segment_id"] == segment["id"] and campaign["audience"] == filt
    assert client.get(f"/api/v1/segments/{segment['id']}", headers=marketing).json()["campaigns"] == [
        campaign["id"]
    ]
    preview = client.post(f"/api/v1/campaigns/{campaign['id']}/preview", headers=marketing).json()
    assert preview["audience"]["total"] == 1

    # the segment changes: the draft follows (it has not run), so the preview reaches both members
    patched = client.patch(
        f"/api/v1/segments/{segment['id']}", json={"filter": {"recency_days": 30}}, headers=marketing
    )
    assert patched.status_code == 200 and patched.json()["members"]["total"] == 2
    assert client.get(f"/api/v1/campaigns/{campaign['id']}", headers=marketing).json()["audience"] == {
        "recency_days": 30
    }
    preview = client.post(f"/api/v1/campaigns/{campaign['id']}/preview", headers=marketing).json()
    assert preview["audience"]["total"] == 2
    assert at_store.id is not None

    refused = client.delete(f"/api/v1/segments/{segment['id']}", headers=marketing)
    assert refused.status_code == 409 and str(campaign["id"]) in refused.json()["detail"]["campaigns"]
    client.post(f"/api/v1/campaigns/{campaign['id']}/cancel", headers=marketing)
    assert client.delete(f"/api/v1/segments/{segment['id']}", headers=marketing).status_code == 204
    assert client.get(f"/api/v1/segments/{segment['id']}", headers=marketing).status_code == 404
    assert session.get(Campaign, campaign["id"]).segment_id is None  # type: ignore[union-attr]
    assert client.get("/api/v1/segments", headers=marketing).json() == []


def test_segment_and_audience_input_errors_name_the_field(
    client: TestClient, marketing: dict[str, str], staff: dict[str, str]
) -> None:
    bad = client.post("/api/v1/segments", json={"name": "", "filter": {}}, headers=marketing)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "name"]
    bad = client.post(
        "/api/v1/segments", json={"name": "x", "filter": {"recency_days": 0}}, headers=marketing
    )
    assert bad.status_code == 422 and "recency_days" in bad.text
    bad = client.post("/api/v1/segments", json={"name": "x", "filter": {"colour": "red"}}, headers=marketing)
    assert bad.status_code == 422 and "colour" in bad.text
    missing = client.post(
        "/api/v1/campaigns", json={**BODY, "audience": {"segment_id": 999999}}, headers=marketing
    )
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == [
        "body",
        "audience.segment_id",
    ]
    assert client.get("/api/v1/segments", headers=staff).status_code == 403
    assert client.patch("/api/v1/segments/999999", json={"name": "y"}, headers=marketing).status_code == 404


# ---- test send


def test_a_test_send_queues_the_real_message_marked_as_a_test_and_counts_nowhere(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    _member(session)
    campaign = _create(client, marketing, draft=True)
    assert campaign["status"] == "draft"
    sent = client.post(
        f"/api/v1/campaigns/{campaign['id']}/test", json={"phone": "0532 111 22 33"}, headers=marketing
    )
    assert sent.status_code == 202, sent.text
    [out] = sent.json()
    assert out["channel"] == "sms" and out["to"] == "+905321112233" and out["category"] == "test"
    message = session.get(Message, out["id"])
    assert message is not None and message.member_id is None and message.coupon_id is None
    assert message.state == MessageState.queued and message.campaign_id == campaign["id"]
    assert message.category == Category.test and message.purpose == "holiday_coupon"
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{1,4})+", message.context["coupon_code"])  # a sample code
    assert session.exec(select(Coupon).where(Coupon.campaign_id == campaign["id"])).all() == []
    stats = client.get(f"/api/v1/campaigns/{campaign['id']}", headers=marketing).json()["stats"]
    assert stats["sent"] == stats["coupons"] == stats["failed"] == 0
    # still a draft: the test changed nothing about the campaign
    assert client.get(f"/api/v1/campaigns/{campaign['id']}", headers=marketing).json()["status"] == "draft"


def test_a_test_send_needs_an_address_for_the_campaigns_channel(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    campaign = _create(client, marketing, draft=True)
    url = f"/api/v1/campaigns/{campaign['id']}/test"
    nothing = client.post(url, json={}, headers=marketing)
    assert nothing.status_code == 422 and nothing.json()["detail"][0]["loc"] == ["body", "phone"]
    wrong = client.post(url, json={"email": "me@example.com"}, headers=marketing)
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "phone"]
    bad = client.post(url, json={"phone": "12"}, headers=marketing)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "phone"]
    both = _create(client, marketing, channel="preferred", draft=True)
    sent = client.post(
        f"/api/v1/campaigns/{both['id']}/test",
        json={"phone": "+905321112233", "email": "Me@Example.com", "locale": "en"},
        headers=marketing,
    )
    assert sent.status_code == 202 and sorted(m["channel"] for m in sent.json()) == ["email", "sms"]
    client.post(f"/api/v1/campaigns/{both['id']}/cancel", headers=marketing)
    done = client.post(
        f"/api/v1/campaigns/{both['id']}/test", json={"phone": "+905321112233"}, headers=marketing
    )
    assert done.status_code == 409


# ---- draft -> schedule, overlaps and the cap


def test_overlaps_of_a_send_beyond_the_forecast_name_the_collisions_without_playing(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    """A send more than the forecast's longest play away: the collisions are named, the cap's effect is not
    guessed (``forecast_days`` 0), and the dialog does not wait for two plays that could foresee nothing."""
    _member(session, "Uzak Üye")
    far = {"type": "date", "send_at": "2030-01-15T23:02"}
    first = _create(client, marketing, name="Uzak A", trigger=far)
    second = _create(client, marketing, name="Uzak B", trigger=far, draft=True)
    report = client.get(f"/api/v1/campaigns/{second['id']}/overlaps", headers=marketing).json()
    assert [o["campaign_id"] for o in report["overlaps"]] == [first["id"]]
    assert report["forecast_days"] == 0 and report["deferred_by_cap"] == 0 and report["others_deferred"] == 0
    assert report["forecast_limit_days"] == 400  # the page names it: "more than 400 days away"


def test_overlaps_name_the_same_holiday_and_the_members_the_cap_defers(
    client: TestClient, session: Session, marketing: dict[str, str], settings: Any
) -> None:
    for i in range(3):
        _member(session, f"Üye {i}")
    first = _create(client, marketing, name="Kurban A")
    alone = client.get(f"/api/v1/campaigns/{first['id']}/overlaps", headers=marketing).json()
    assert alone["overlaps"] == [] and alone["audience"] == 3 and alone["deferred_by_cap"] == 0
    assert alone["frequency_cap"] == settings.frequency_cap == 2

    second = _create(client, marketing, name="Kurban B", draft=True)
    report = client.get(f"/api/v1/campaigns/{second['id']}/overlaps", headers=marketing).json()
    [item] = report["overlaps"]
    assert item["campaign_id"] == first["id"] and item["reasons"] == ["same_holiday", "same_window"]
    assert item["shared_members"] == 3
    assert report["deferred_by_cap"] == 0  # 2 messages in the week: within a cap of 2
    assert report["forecast_days"] > settings.frequency_cap_days  # played up to a window after the send

    third = _create(client, marketing, name="Kurban C", draft=True)
    report = client.get(f"/api/v1/campaigns/{third['id']}/overlaps", headers=marketing).json()
    assert {o["campaign_id"] for o in report["overlaps"]} == {first["id"], second["id"]}
    assert report["deferred_by_cap"] == 0  # a draft sends nothing: B does not use up the cap
    client.post(f"/api/v1/campaigns/{second['id']}/schedule", headers=marketing)
    report = client.get(f"/api/v1/campaigns/{third['id']}/overlaps", headers=marketing).json()
    assert report["deferred_by_cap"] == 3  # a third promotion in one week: every member waits
    assert report["others_deferred"] == 0  # A and B go first, as they were

    scheduled = client.post(f"/api/v1/campaigns/{third['id']}/schedule", headers=marketing)
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
    again = client.post(f"/api/v1/campaigns/{third['id']}/schedule", headers=marketing)
    assert again.status_code == 409


# ---- results: chart, CSV, year over year


def _redeemed(session: Session, coupon: Coupon, amount: str, at: datetime) -> None:
    coupon.status = "redeemed"  # type: ignore[assignment]
    coupon.redeemed_at = at
    coupon.redeemed_purchase_amount = Decimal(amount)
    session.add(coupon)
    session.flush()


def test_results_chart_csv_and_revenue_once_per_purchase(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    run = make_campaign_run(session)
    other_run = make_campaign_run(session)
    ayse, can = make_member(session, "Ayşe"), make_member(session, "Can")
    at = datetime(2026, 5, 25, 9, 0, tzinfo=UTC)
    a1 = make_coupon(session, ayse, run=run, valid_from=at - timedelta(days=1))
    c1 = make_coupon(session, can, run=run, valid_from=at - timedelta(days=1))
    a2 = make_coupon(session, ayse, run=other_run, valid_from=at - timedelta(days=1))
    _redeemed(session, a1, "400.00", at)
    _redeemed(session, a2, "400.00", at)  # the same purchase redeemed a second campaign's coupon
    _redeemed(session, c1, "150.50", at + timedelta(days=1))
    campaign_id, other_id = run.campaign_id, other_run.campaign_id

    stats = client.get(f"/api/v1/campaigns/{campaign_id}", headers=marketing).json()["stats"]
    assert stats["redeemed"] == 2 and Decimal(stats["revenue"]) == Decimal("550.50")
    assert stats["redemption_rate"] == 1.0
    other = client.get(f"/api/v1/campaigns/{other_id}", headers=marketing).json()["stats"]
    assert other["redeemed"] == 1 and Decimal(other["revenue"]) == 0  # counted once, in the first campaign

    export = client.get(f"/api/v1/campaigns/{campaign_id}/results.csv", headers=marketing)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["day"] for r in rows] == ["2026-05-24", "2026-05-25", "2026-05-26", "total"]
    assert rows[1]["redeemed"] == "1" and rows[1]["revenue"] == "400.00"
    assert rows[-1]["revenue"] == "550.50" and rows[-1]["redemption_rate"] == "1.0000"

    chart = client.get(f"/api/v1/campaigns/{campaign_id}/chart.svg?lang=en", headers=marketing)
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    svg = chart.text
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "Redeemed" in svg and "Revenue" in svg and "25.05" in svg
    assert_self_contained(svg)
    assert "Kullanılan" in client.get(f"/api/v1/campaigns/{campaign_id}/chart.svg", headers=marketing).text
    assert client.get("/api/v1/campaigns/999999/chart.svg", headers=marketing).status_code == 404
    assert (
        client.get(f"/api/v1/campaigns/{campaign_id}/chart.svg?lang=de", headers=marketing).status_code == 422
    )


def assert_self_contained(svg: str) -> None:
    """No script at all, no reference to anything outside the file (xmlns names are not fetched)."""
    assert "<script" not in svg.lower()
    assert not re.search(r"""(?:href|src)\s*=\s*["'](?!#)""", svg)
    assert "@import" not in svg and "url(http" not in svg.replace(" ", "")


def test_year_over_year_compares_the_same_holidays_runs(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    old = make_campaign_run(session, run_key="2025", name="Kurban 2025")
    old.send_date, old.status = datetime(2025, 6, 4).date(), "done"
    session.add(old)
    member = make_member(session)
    coupon = make_coupon(session, member, run=old)
    _redeemed(session, coupon, "200.00", utcnow())
    make_coupon(session, make_member(session), run=old)
    unrelated = make_campaign_run(session, holiday_key="yilbasi", name="Yılbaşı")
    new = _create(client, marketing, name="Kurban bu yıl")
    body = client.get(f"/api/v1/campaigns/{new['id']}/compare", headers=marketing).json()
    assert body["holiday_key"] == "kurban_bayrami"
    years = body["years"]
    assert [y["campaign_id"] for y in years] == [old.campaign_id, new["id"]]
    assert years[0]["year"] == 2025 and years[0]["coupons"] == 2 and years[0]["redeemed"] == 1
    assert years[0]["redemption_rate"] == 0.5 and Decimal(years[0]["revenue"]) == Decimal("200.00")
    assert years[1]["status"] == "scheduled" and years[1]["coupons"] == 0
    assert unrelated.campaign_id not in [y["campaign_id"] for y in years]
    chart = client.get(f"/api/v1/campaigns/{new['id']}/compare.svg", headers=marketing)
    assert chart.status_code == 200 and "2025" in chart.text
    assert_self_contained(chart.text)
    assert session.exec(select(CampaignRun).where(CampaignRun.campaign_id == new["id"])).first() is not None


def test_the_audience_can_be_narrowed_to_the_members_languages(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    make_member(session, "Ayşe Tr", sms=True, locale="tr")
    make_member(session, "Emma En", sms=True, locale="en")
    make_member(session, "John En", sms=True, locale="en")

    def count(filt: dict[str, Any]) -> int:
        answer = client.post(
            "/api/v1/segments/count", json={"filter": filt, "channel": "sms"}, headers=marketing
        )
        assert answer.status_code == 200, answer.text
        return int(answer.json()["total"])

    everyone = count({})
    assert count({"locales": ["en"]}) == 2 and count({"locales": ["tr"]}) == everyone - 2
    assert count({"locales": ["tr", "en"]}) == everyone
    bad = client.post("/api/v1/segments/count", json={"filter": {"locales": ["de"]}}, headers=marketing)
    assert bad.status_code == 422 and "locales" in bad.json()["detail"][0]["loc"]
