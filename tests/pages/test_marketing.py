"""Marketing in headless Chromium: the 2026 holiday calendar and creating a holiday campaign from it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.pages.conftest import sign_in, tr

pytestmark = pytest.mark.browser


def show_calendar(page: Page, year: int) -> None:
    page.get_by_label(tr("cal.year"), exact=True).fill(str(year))
    page.get_by_role("button", name=tr("cal.show")).click()
    expect(page.locator("#cal-table tbody tr time").first).to_have_attribute("datetime", f"{year}-01-01")


def test_marketing_sees_kurban_bayrami_on_27_may_2026_in_both_languages(page: Page) -> None:
    sign_in(page, "marketing", next_path="/marketing")
    show_calendar(page, 2026)
    kurban = page.locator("#cal-table tbody tr[data-key='kurban_bayrami']")
    expect(kurban).to_contain_text("Kurban Bayramı")
    expect(kurban.locator("time")).to_have_attribute("datetime", "2026-05-27")
    expect(kurban.locator("time")).to_contain_text("27 Mayıs 2026")
    expect(kurban.locator("td").nth(2)).to_have_text("4")
    arife = page.locator("#cal-table tbody tr[data-key='kurban_bayrami_arife'] time")
    expect(arife).to_have_attribute("datetime", "2026-05-26")

    page.goto("/marketing?lang=en")
    page.get_by_label("Year", exact=True).fill("2026")
    page.get_by_role("button", name="Show calendar").click()
    english = page.locator("#cal-table tbody tr[data-key='kurban_bayrami']")
    expect(english.locator("time")).to_contain_text("May 27, 2026")


def test_marketing_creates_a_yearly_campaign_two_days_before_kurban_bayrami(page: Page) -> None:
    sign_in(page, "marketing", next_path="/marketing")
    show_calendar(page, 2026)
    page.locator("#cal-table tbody tr[data-key='kurban_bayrami']").get_by_role("button").click()
    expect(page.get_by_label(tr("camp.holiday"))).to_have_value("kurban_bayrami")
    page.get_by_label(tr("camp.name")).fill("Bayram indirimi %15")
    page.get_by_label(tr("camp.days_before")).fill("2")
    page.get_by_label(tr("camp.send_time")).fill("10:00")
    page.get_by_label(tr("camp.offer_value")).fill("15")
    page.get_by_label(tr("camp.card_holders")).check()
    page.get_by_role("button", name=tr("camp.submit")).click()
    result = page.locator("#camp-result")
    expect(result).to_contain_text(tr("camp.created"))
    expect(result).to_contain_text(tr("camp.scheduled_for"))
    expect(result).to_contain_text("25 May 2026")  # 2 days before 27 May, at 10:00 Istanbul
    item = page.locator("#camp-list li", has_text="Bayram indirimi %15")
    expect(item).to_be_visible()

    item.get_by_role("button", name=tr("camp.preview")).click()
    expect(item.locator(".details")).to_contain_text(tr("camp.audience"))
    item.get_by_role("button", name=tr("camp.results")).click()
    expect(item.locator(".details")).to_contain_text(tr("camp.stats.targeted"))


def test_a_campaign_without_a_holiday_is_refused_with_the_reason(page: Page) -> None:
    sign_in(page, "marketing", next_path="/marketing")
    page.get_by_label(tr("camp.name")).fill("Eksik kampanya")
    page.get_by_role("button", name=tr("camp.submit")).click()
    # the browser's own required-field check stops it before any request: nothing created
    assert page.get_by_label(tr("camp.holiday")).evaluate("e => e.validity.valueMissing") is True
    expect(page.locator("#camp-result")).to_be_empty()
