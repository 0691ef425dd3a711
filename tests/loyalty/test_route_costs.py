"""Parts and cost of the route a member's number actually takes (issue 20): a Turkish number through NetGSM
carries Turkish letters as GSM-7 national characters at NetGSM's price; another number through Twilio pays
UCS-2 at Twilio's; each route with its own opt-out line. The preview of an occasion coupon SMS, the live
copy preview and a campaign's cost estimate all count that way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from loyalty.campaigns.lifecycle import create_campaign
from loyalty.campaigns.occasion_preview import preview_occasion
from loyalty.campaigns.preview import preview_campaign, preview_copy
from loyalty.campaigns.schemas import CampaignCreate, CopyIn
from loyalty.core.settings import Settings
from loyalty.occasions.registry import add_occasion
from loyalty.occasions.schemas import OccasionCreate
from tests.builders import make_member, make_purchase

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TURKISH, GERMAN, BRITISH = "+905321112233", "+4915112345678", "+447700900123"


def _routed(settings: Settings, **extra: object) -> Settings:
    return settings.model_copy(
        update={
            "sms_routes": "+90=netgsm,*=twilio",
            "sms_price_per_segment": Decimal("0.35"),
            "netgsm_price_per_segment": Decimal("0.12"),
            **extra,
        }
    )


def _occasion_coupon(session: Session, settings: Settings, phone: str, locale: str = "tr") -> dict:  # type: ignore[type-arg]
    member = make_member(session, phone=phone, locale=locale)
    purpose = "çikolatalı pastayı çok sever" if locale == "tr" else "loves chocolate cake"
    occasion = add_occasion(
        session,
        member.id or 0,
        OccasionCreate.model_validate(
            {
                "kind": "birthday",
                "date": f"--{NOW + timedelta(days=5):%m-%d}",
                "for_whom": "daughter",
                "relation_name": "Elif",
                "purpose": purpose,
            }
        ),
        stated_by="member",
    )
    campaign = CampaignCreate.model_validate(
        {
            "name": "Doğum günü",
            "trigger": {"type": "occasion", "kinds": ["birthday"], "days_before": 1, "send_time": "10:00"},
            "offer": {"kind": "percent", "value": "20", "valid_days": 3},
            "channel": "sms",
        }
    )
    if not session.info.get("campaign"):
        session.info["campaign"] = create_campaign(
            session, campaign, actor="user:mk", now=NOW, settings=settings
        )
    view = preview_occasion(session, occasion.id or 0, settings=settings, now=NOW)
    [coupon] = [m for m in view.messages if m.what == "coupon"]
    return coupon.model_dump()


def test_an_occasion_coupon_sms_shows_2_parts_on_a_turkish_route(
    session: Session, settings: Settings
) -> None:
    routed = _routed(settings)
    sms = _occasion_coupon(session, routed, TURKISH)
    assert "Elif'in doğum günü" in sms["text"] and "ş" in sms["text"]
    [part] = sms["parts"]  # the member's own route only
    assert (part["route"], part["backend"], part["encoding"]) == ("turkish", "netgsm", "GSM-7 TR")
    assert sms["segments"] == part["segments"] == 2 and sms["encoding"] == "GSM-7 TR"
    assert part["cost"] == Decimal("0.24") and part["text"] == sms["text"]

    # the same text to a German number goes through Twilio: UCS-2, more parts, Twilio's price
    abroad = _occasion_coupon(session, routed, GERMAN)
    [far] = abroad["parts"]
    assert (far["route"], far["backend"], far["encoding"]) == ("international", "twilio", "UCS-2")
    assert far["segments"] > 2 and far["cost"] == Decimal("0.35") * far["segments"]
    assert "ş" in (far["forced_by"] or "")


def test_a_turkish_number_through_twilio_pays_ucs2_and_carries_the_no_reply_line(
    session: Session, settings: Settings
) -> None:
    twilio_only = _routed(settings, sms_routes="", sms_backend="twilio", shop_mersis="0123456789012345")
    sms = _occasion_coupon(session, twilio_only, TURKISH)
    [part] = sms["parts"]
    assert (part["backend"], part["encoding"]) == ("twilio", "UCS-2") and part["segments"] >= 4
    # replies do not reach the shop through Twilio in Turkey; the commercial message names the shop
    assert twilio_only.sms_opt_out_noreply_tr in sms["text"] and "RET yazıp" not in sms["text"]
    assert sms["text"].endswith("MERSİS: 0123456789012345")


def test_the_live_copy_preview_shows_each_destination_on_its_route(settings: Settings) -> None:
    routed = _routed(settings)
    text = "{ad}, Kurban Bayramı için {indirim}: kodunuz {kod}, son gün {son_gun}. {sayfa}"
    sample = preview_copy(CopyIn(text=text), routed, today=NOW.date())
    parts = {p.route: p for p in sample.parts}
    assert (parts["turkish"].backend, parts["turkish"].encoding) == ("netgsm", "GSM-7 TR")
    assert parts["turkish"].cost == Decimal("0.12") * parts["turkish"].segments
    assert (parts["international"].backend, parts["international"].encoding) == ("twilio", "UCS-2")
    assert parts["international"].cost == Decimal("0.35") * parts["international"].segments
    assert sample.text == parts["turkish"].text


def test_a_campaigns_cost_counts_each_member_on_their_own_route(session: Session, settings: Settings) -> None:
    routed = _routed(settings)
    members = [
        make_member(session, phone=TURKISH),
        make_member(session, phone=GERMAN),
        make_member(session, "Emma Smith", phone=BRITISH, locale="en"),
    ]
    for member in members:
        make_purchase(session, member, occurred_at=NOW - timedelta(days=3))
    campaign = create_campaign(
        session,
        CampaignCreate.model_validate(
            {
                "name": "Kış",
                "trigger": {"type": "date", "send_at": "2026-12-02T10:00"},
                "offer": {"kind": "percent", "value": "10", "valid_days": 7},
                "channel": "sms",
                "draft": True,
            }
        ),
        actor="user:mk",
        now=NOW,
        settings=routed,
    )
    preview = preview_campaign(session, campaign.id or 0, settings=routed, now=NOW)
    samples = {s.locale: s for s in preview.samples}
    expected = {
        TURKISH: samples["tr"].parts[0],  # the Turkish destination's sample is the one through NetGSM
        GERMAN: next(p for p in samples["tr"].parts if p.route == "international"),
        BRITISH: next(p for p in samples["en"].parts if p.route == "international"),
    }
    assert expected[TURKISH].backend == "netgsm" and expected[GERMAN].backend == "twilio"
    cost = preview.estimated_cost
    assert cost.sms_messages == 3
    assert cost.sms_segments == sum(p.segments for p in expected.values())
    assert cost.sms_cost == sum(p.cost for p in expected.values())
    # one price for all would have been different: the Turkish member is counted at NetGSM's price
    assert cost.sms_cost != Decimal("0.35") * cost.sms_segments
