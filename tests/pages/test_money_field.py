"""One money field on every page: the pages' money.js reads the shared table exactly as core.money does, an
ambiguous amount asks before it is taken, and marketing's Turkish "12,50" is 12.50 (not 1250)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from loyalty.campaigns import segments
from loyalty.models.campaigns import Campaign
from loyalty.models.purchases import Purchase
from tests.builders import make_member, make_purchase
from tests.pages.conftest import LiveServer, sign_in, tr
from tests.pages.flows import shot

pytestmark = pytest.mark.browser

CASES = json.loads((Path(__file__).parents[1] / "money_cases.json").read_text(encoding="utf-8"))["cases"]


def test_the_pages_read_amounts_by_the_same_table_as_the_api(page: Page) -> None:
    page.goto("/")
    got = page.evaluate("(cases) => cases.map((c) => Money.read(c.text, c.locale))", CASES)
    for case, reading in zip(CASES, got, strict=True):
        if "choices" in case:
            assert reading == {"choices": case["choices"]}, case
        elif case["value"] is None:
            assert reading is None, case
        else:
            assert reading == {"value": case["value"]}, case


def test_the_counter_asks_which_amount_was_meant(page: Page, live_db: Session) -> None:
    member = make_member(live_db, "Para Deneme", "+905321110044")
    live_db.commit()
    sign_in(page, "staff", next_path="/counter")
    page.get_by_label(tr("find.query")).fill("0532 111 00 44")
    page.get_by_role("button", name=tr("find.submit"), exact=True).click()
    expect(page.locator("#member-name")).to_have_text("Para Deneme")

    amount = page.get_by_label(tr("purchase.amount"))
    result = page.locator("#purchase-result")
    amount.fill("4,500")
    page.get_by_label(tr("purchase.receipt")).fill("PARA-1")
    page.get_by_role("button", name=tr("purchase.submit")).click()
    expect(result).to_contain_text(tr("money.ambiguous", text="4,500"))
    shot(page, "desktop", "money-ambiguous")
    result.get_by_role("button", name="₺4,50").click()
    expect(result).to_contain_text(tr("purchase.done"))
    expect(result).to_contain_text("₺4,50")

    amount.fill("45,505")  # a slip with no two-decimal reading: asks whether 45.505 was meant
    page.get_by_label(tr("purchase.receipt")).fill("PARA-2")
    page.get_by_role("button", name=tr("purchase.submit")).click()
    expect(result).to_contain_text(tr("money.check", text="45,505"))
    expect(result.get_by_role("button", name="₺45.505,00")).to_be_visible()
    result.get_by_role("button", name=tr("money.fix")).click()
    expect(amount).to_be_focused()

    live_db.expire_all()
    amounts = live_db.exec(select(Purchase.amount).where(Purchase.member_id == member.id)).all()
    live_db.commit()
    assert [Decimal(a) for a in amounts] == [Decimal("4.50")]


def _reached(session: Session, min_spend: str, channel: str, lapsed_days: int) -> int:
    """The audience count the API gives for a spend threshold (the live server is shared by a worker's
    test files, so the expected count is read, not assumed)."""
    count = segments.count_audience(
        session, {"min_spend": min_spend}, channel=channel, lapsed_days=lapsed_days
    )
    session.commit()
    return count.total


def test_marketing_reads_turkish_decimals(page: Page, live_db: Session, live_server: LiveServer) -> None:
    spenders = (("Eşik Altı", "+905321110051", "100.00"), ("Eşik Üstü", "+905321110052", "101.00"))
    for name, phone, amount in spenders:
        make_purchase(live_db, make_member(live_db, name, phone), amount)
    live_db.commit()
    sign_in(page, "marketing", next_path="/marketing")
    page.get_by_label(tr("camp.name"), exact=True).fill("Para alanı kampanyası")
    page.locator("#camp-form input[name=trigger_type][value=date]").check()
    page.locator("#camp-send-at").fill("2030-01-15T10:00")
    page.get_by_label(tr("camp.offer_kind")).select_option("amount")
    page.get_by_label(tr("camp.offer_value")).fill("12,50")
    page.get_by_label(tr("camp.min_purchase")).fill("100,50")
    spend = page.get_by_label(tr("mk.f.spend"))
    spend.fill("4,500")
    expect(page.locator("#audience-count")).to_contain_text(tr("money.check", text="4,500"))
    spend.fill("100,50")
    channel, lapsed = page.locator("#camp-channel").input_value(), live_server.settings.lapsed_days
    expected = _reached(live_db, "100.50", channel, lapsed)
    # the member who spent 101 tells 100.50 from a misread 10050
    assert expected > _reached(live_db, "10050", channel, lapsed)
    expect(page.locator("#audience-count")).to_have_attribute("data-total", str(expected))
    page.get_by_role("button", name=tr("mk.save_draft")).click()
    expect(page.locator("#camp-result")).to_contain_text(tr("mk.draft_saved", name="Para alanı kampanyası"))

    live_db.expire_all()
    campaign = live_db.exec(select(Campaign).where(Campaign.name == "Para alanı kampanyası")).one()
    live_db.commit()
    assert Decimal(campaign.offer_value) == Decimal("12.50")
    assert Decimal(campaign.min_purchase) == Decimal("100.50")
    assert campaign.audience["min_spend"] == "100.50"
