"""Marketing writes the copy: named placeholders, the product's additions, 422 naming what is wrong, a live
preview with parts and cost per route, and what was previewed is what is sent (byte for byte)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from loyalty.campaigns.lifecycle import create_campaign, schedule_campaign, set_copy
from loyalty.campaigns.preview import preview_campaign
from loyalty.campaigns.running import claim_due_runs, run_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.core.errors import Invalid
from loyalty.core.settings import Settings
from loyalty.delivery.render import render_outgoing
from loyalty.members.links import SAMPLE_KEY
from loyalty.messaging.copy import check_copy
from loyalty.models.coupons import Coupon
from loyalty.models.members import Channel
from loyalty.models.messages import Message
from tests.builders import make_member, make_purchase

NOON = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
COPY = {
    "tr": {
        "sms": "{ad}, kış indirimi başladı: {indirim}! Kodunuz {kod}, son gün {son_gun}.",
        "email": "Merhaba {ad},\n\nKış indirimi başladı: {indirim}.\nKodunuz: {kod} (son gün {son_gun}).",
        "subject": "{ad}, kış indirimi sizi bekliyor",
    },
    "en": {"sms": "{name}, winter sale: {discount} with code {code} until {last_day}."},
}


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        secret_key="test-secret-key-not-for-production-0123456789",
        database_url="sqlite://",
        public_base_url="http://testserver",
        outbox_dir=tmp_path / "outbox",
    )


def _campaign(copy: Any, channel: str = "sms", draft: bool = True) -> CampaignCreate:
    return CampaignCreate.model_validate(
        {
            "name": "Kış",
            "trigger": {"type": "date", "send_at": "2026-12-02T10:00"},
            "offer": {"kind": "percent", "value": "10", "valid_days": 7},
            "channel": channel,
            "message_copy": copy,
            "draft": draft,
        }
    )


@pytest.mark.parametrize(
    ("copy", "field", "named"),
    [
        ({"tr": {"sms": "{ad}, kodunuz {kupon}"}}, "message_copy.tr.sms", "{kupon}"),
        ({"tr": {"sms": "{ad}, indirim sizi bekliyor"}}, "message_copy.tr.sms", "{kod}"),
        ({"en": {"email": "Hello {name}, nothing else"}}, "message_copy.en.email", "{kod}"),
        ({"tr": {"sms": "{kod} {ad!r}"}}, "message_copy.tr.sms", "{ad!r}"),
        ({"de": {"sms": "{kod}"}}, "message_copy.de", "'de'"),
        ({"tr": {"fax": "{kod}"}}, "message_copy.tr.fax", "'fax'"),
    ],
)
def test_422_names_the_placeholder(copy: dict[str, Any], field: str, named: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_copy(copy)
    assert caught.value.field == field and caught.value.status_code == 422
    assert named.strip("{}!r'") in caught.value.message


def test_the_api_answers_422_naming_the_placeholder(client: TestClient, marketing: dict[str, str]) -> None:
    body = _campaign({"tr": {"sms": "{ad}: {kupon}"}}).model_dump(mode="json")
    answer = client.post("/api/v1/campaigns", json=body, headers=marketing)
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "message_copy.tr.sms"] and "{kupon}" in error["msg"]
    preview = client.post(
        "/api/v1/campaigns/copy-preview", json={"text": "{ad}, indirim var"}, headers=marketing
    )
    assert preview.status_code == 422 and "{kod}" in preview.json()["detail"][0]["msg"]


def test_live_preview_shows_parts_and_cost_per_route(client: TestClient, marketing: dict[str, str]) -> None:
    text = "{ad}, Kurban Bayramı için {indirim}: kodunuz {kod}, son gün {son_gun}. {sayfa}"
    answer = client.post("/api/v1/campaigns/copy-preview", json={"text": text}, headers=marketing)
    assert answer.status_code == 200, answer.text
    sample = answer.json()
    # the product adds the shop in front and the opt-out line after; the placeholders are filled
    assert sample["text"].startswith("Köşe Kahvecisi: Ayşe, Kurban Bayramı için %15 indirim: kodunuz ")
    assert sample["text"].endswith(f"/m/{SAMPLE_KEY} SMS almamak için RET yazıp yanıtlayın.")
    parts = {p["route"]: p for p in sample["parts"]}
    # 168 characters: 2 parts with Turkish letters as GSM-7 (149 per part), 3 in UCS-2 (67 per part)
    assert parts["turkish"]["encoding"] == "GSM-7 TR" and parts["turkish"]["segments"] == 2
    assert parts["international"]["encoding"] == "UCS-2" and parts["international"]["segments"] == 3
    assert float(parts["international"]["cost"]) == pytest.approx(3 * 0.35)
    email = client.post(
        "/api/v1/campaigns/copy-preview",
        json={
            "channel": "email",
            "text": "Merhaba {ad},\n\n{kisi} yaklaşıyor: {kod}",
            "subject": "{ad}!",
            "trigger": "occasion",
            "locale": "tr",
        },
        headers=marketing,
    ).json()
    assert email["subject"] == "Ayşe!" and "Kızınız Elif'in doğum günü yaklaşıyor" not in email["text"]
    assert "kızınız Elif'in doğum günü yaklaşıyor" in email["text"]
    assert "Bu e-postaları almak istemiyorsanız" in email["text"] and "<p>Merhaba Ayşe,</p>" in email["html"]


def test_a_campaign_with_marketings_words_goes_from_draft_to_outbox_unchanged(
    session: Session, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    member = make_member(session, full_name="Ayşe Yılmaz")
    make_purchase(session, member, occurred_at=NOON - timedelta(days=3))
    campaign = create_campaign(
        session, _campaign(COPY), actor="user:mk", now=NOON - timedelta(days=1), settings=settings
    )
    assert campaign.message_copy == COPY
    with pytest.raises(Invalid):
        set_copy(session, campaign.id or 0, {"tr": {"sms": "{ad}"}})
    preview = preview_campaign(session, campaign.id or 0, settings=settings, now=NOON - timedelta(days=1))
    sample = next(s for s in preview.samples if (s.locale, s.channel) == ("tr", "sms"))
    assert sample.text.startswith("Köşe Kahvecisi: Ayşe, kış indirimi başladı: %10 indirim! Kodunuz ")
    schedule_campaign(session, campaign.id or 0, settings=settings, now=NOON - timedelta(days=1))
    at = datetime(2026, 12, 2, 7, 1, tzinfo=UTC)
    [run_id] = claim_due_runs(session, at)
    run_campaign(session, run_id, at, settings)
    message = session.exec(select(Message).where(Message.campaign_id == campaign.id)).one()
    coupon = session.exec(select(Coupon).where(Coupon.campaign_id == campaign.id)).one()
    out = render_outgoing(session, message, member, Channel.sms, settings)
    sample_code = sample.text.split("Kodunuz ")[1].split(",")[0]
    code = message.context["coupon_code"]
    assert code.replace("-", "") == coupon.code.replace("-", "")
    # byte for byte: the previewed text with the member's own code is the text sent
    assert out.text.encode() == sample.text.replace(sample_code, code).encode()
    assert date.fromisoformat(message.context["expires_on"]) == date(2026, 12, 9)
