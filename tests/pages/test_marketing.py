"""Marketing in headless Chromium: the 2026 holiday calendar and creating a holiday campaign from it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, Route, expect

from loyalty.holidays.calendar import holiday_date
from tests.pages.conftest import sign_in, take_held, tr, wait_for_routes

pytestmark = pytest.mark.browser


def next_send_day(days_before: int) -> date:
    """The first "days_before Kurban Bayramı" that is not yet past in Istanbul (the bayram moves yearly)."""
    today = datetime.now(ZoneInfo("Europe/Istanbul")).date()
    year = today.year
    while (day := holiday_date("kurban_bayrami", year) - timedelta(days=days_before)) < today:
        year += 1
    return day


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


def test_the_year_asked_for_stays_when_the_first_load_answers_after_it(page: Page) -> None:
    """The page opens on the next 12 months. A year asked for before that first load has answered stays
    on the page: the late answer is dropped, not drawn over it."""
    first: list[Route] = []

    def hold_the_first_load(route: Route) -> None:
        if len(first) < 2:  # the next 12 months: this year's holidays and next year's
            first.append(route)
        else:
            route.continue_()

    page.route("**/api/v1/holidays?*", hold_the_first_load)
    sign_in(page, "marketing", next_path="/marketing")
    wait_for_routes(page, first, 2)
    show_calendar(page, 2024)
    for route in first:
        route.continue_()
    page.wait_for_load_state("networkidle")  # the first load has answered and the page has read it
    expect(page.locator("#cal-table tbody tr time").first).to_have_attribute("datetime", "2024-01-01")
    expect(page.locator("#cal-caption")).to_have_text(tr("cal.year_caption", year=2024))


def test_marketing_drafts_and_schedules_a_yearly_campaign_two_days_before_kurban_bayrami(page: Page) -> None:
    sign_in(page, "marketing", next_path="/marketing")
    show_calendar(page, 2026)
    page.locator("#cal-table tbody tr[data-key='kurban_bayrami']").get_by_role("button").click()
    expect(page.get_by_label(tr("camp.holiday"))).to_have_value("kurban_bayrami")
    expect(page.locator("#camp-once")).to_be_checked()  # a row of one year plans that year ...
    page.locator("#camp-yearly").check()  # ... unless the marketer chooses every year
    page.get_by_label(tr("camp.name"), exact=True).fill("Bayram indirimi %15")
    page.get_by_label(tr("camp.days_before")).fill("2")
    page.get_by_label(tr("camp.send_time")).fill("10:00")
    page.get_by_label(tr("camp.offer_value")).fill("15")
    page.get_by_label(tr("camp.card_holders")).check()
    page.get_by_role("button", name=tr("mk.save_draft")).click()
    result = page.locator("#camp-result")
    expect(result).to_contain_text(tr("mk.draft_saved", name="Bayram indirimi %15"))
    item = page.locator("#camp-list li", has_text="Bayram indirimi %15")
    expect(item.locator(".status")).to_have_text(tr("state.draft"))
    expect(item).to_contain_text("2 gün önce Kurban Bayramı, 10:00")
    local = f"{next_send_day(2):%Y-%m-%d}T10:00 Europe/Istanbul"  # 2 days before, 10:00 local
    expect(item).to_have_attribute("data-scheduled-local", local)

    item.get_by_role("button", name=tr("camp.preview")).click()
    expect(item.locator(".details")).to_contain_text(tr("mk.audience_at_send"))
    expect(item.locator(".details")).to_contain_text(tr("camp.cost"))
    item.get_by_role("button", name=tr("camp.results")).click()
    expect(item.locator(".details")).to_contain_text(tr("camp.stats.targeted"))
    expect(item.locator(".details")).to_contain_text(tr("camp.runs"))

    # scheduling asks first, showing the overlaps and the cap
    held: list[Route] = []  # the report held on its way: its progress shows meanwhile
    page.route("**/api/v1/campaigns/*/overlaps", lambda route: held.append(route))
    item.get_by_role("button", name=tr("mk.schedule")).click()
    expect(item.get_by_role("progressbar", name=tr("mk.overlaps.working"))).to_be_visible()
    take_held(page, held).continue_()
    page.unroute("**/api/v1/campaigns/*/overlaps")
    dialog = page.locator("#confirm")
    # the report plays the forecast up to the send, with every page test's members and campaigns on this
    # server: it may take longer than a click's usual wait
    expect(dialog).to_contain_text(tr("mk.overlaps"), timeout=60_000)
    expect(item.get_by_role("progressbar")).to_have_count(0)
    dialog.get_by_role("button", name=tr("mk.schedule_ok")).click()
    expect(item.locator(".status")).to_have_text(tr("state.scheduled"))
    expect(item.locator(".when")).to_contain_text("10:00")  # shown in the shop's zone

    item.get_by_role("button", name=tr("mk.cancel")).click()
    dialog.get_by_role("button", name=tr("mk.cancel_ok")).click()
    expect(item.locator(".details")).to_contain_text(tr("camp.cancelled"))
    expect(item.locator(".status")).to_have_text(tr("state.cancelled"))
    expect(item.get_by_role("button", name=tr("mk.cancel"))).to_have_count(0)


def test_a_campaign_without_a_holiday_is_refused_with_the_reason(page: Page) -> None:
    sign_in(page, "marketing", next_path="/marketing")
    expect(page.locator("#camp-list li").first).to_be_visible()
    before = page.locator("#camp-list li").count()
    page.get_by_label(tr("camp.name"), exact=True).fill("Eksik kampanya")
    page.get_by_role("button", name=tr("mk.save_draft")).click()
    # stopped in the page before any request, the reason given and the field marked: nothing created
    expect(page.locator("#camp-result")).to_have_text(tr("mk.need.holiday"))
    holiday = page.get_by_label(tr("camp.holiday"))
    expect(holiday).to_have_attribute("aria-invalid", "true")
    expect(holiday).to_be_focused()
    expect(page.locator("#camp-list li", has_text="Eksik kampanya")).to_have_count(0)
    assert page.locator("#camp-list li").count() == before


def test_marketing_sees_its_own_words_parts_and_cost_as_it_types(page: Page) -> None:
    sign_in(page, "marketing", next_path="/marketing")
    text = page.get_by_label(tr("copy.text"), exact=True)
    text.fill("{ad}, Kurban Bayramı için {indirim}! Kodunuz {kod}, son gün {son_gun}. Gelin.")
    preview = page.locator("#copy-preview")
    expect(preview.locator("pre")).to_contain_text(
        "Köşe Kahvecisi: Ayşe, Kurban Bayramı için %15 indirim! Kodunuz "
    )
    expect(preview.locator("pre")).to_contain_text("SMS almamak için RET yazıp yanıtlayın.")
    # ~142 characters: 1 part with Turkish letters as GSM-7 (155), 3 in UCS-2 (67 per part)
    expect(preview.locator("[data-route='turkish']")).to_contain_text(": 1 parça (GSM-7 TR)")
    expect(preview.locator("[data-route='international']")).to_contain_text(": 3 parça (UCS-2)")
    text.fill("{ad}, {kupon}")  # an unknown placeholder: named at once
    expect(preview).to_contain_text("{kupon}")
