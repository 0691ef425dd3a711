"""The forecast panel (issue 19 point 10): before scheduling a draft, the marketer sees its effect on the
coming weeks — its messages, SMS segments and cost per week, and the other campaigns' messages it pushes out
— with progress while it is computed and a clear error when it cannot be. 1366x768 and 390x844, axe-core
clean; the English panel at 1366x768 is docs/img/marketing-forecast.png (`make doc-shots`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from sqlmodel import Session

from loyalty.campaigns.lifecycle import create_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.core.clock import utcnow
from loyalty.core.db import make_engine
from loyalty.core.i18n import gettext
from tests.builders import make_member
from tests.pages.conftest import LiveServer, serve_pages, sign_in, take_held, tr
from tests.pages.test_marketing_flow import SHOTS, VIEWPORTS, no_serious_violations

pytestmark = pytest.mark.browser

# a forecast plays its weeks day by day (seconds; longer on a loaded machine): its answer is awaited as
# long as that may take, while its progress is checked at once
PLAY_TIMEOUT = 90_000  # ms


def _scheduled(session: Session, name: str, send_at: str, settings: Any) -> None:
    body = {
        "name": name,
        "trigger": {"type": "date", "send_at": send_at},
        "offer": {"kind": "percent", "value": "10", "valid_days": 3},
        "channel": "sms",
    }
    create_campaign(session, CampaignCreate.model_validate(body), actor="user:mk", settings=settings)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A page server of its own: the forecast plays every campaign in the database, and the campaigns other
    page tests leave on the shared server would change what this draft pushes out."""
    yield from serve_pages(f"sqlite:///{tmp_path / 'forecast.sqlite'}", tmp_path)


@pytest.fixture
def day(own_server: LiveServer) -> str:
    """Three members and two campaigns for everyone on one day, two days ahead, at 10:00 and 12:00."""
    local = utcnow().astimezone(ZoneInfo("Europe/Istanbul")).date() + timedelta(days=2)
    engine = make_engine(own_server.settings.database_url)
    with Session(engine) as session:
        for n in range(3):
            make_member(session, f"Tahmin Üye {n}", phone=f"+90532777{n:04d}")
        _scheduled(session, "Tahmin sabah", f"{local}T10:00", own_server.settings)
        _scheduled(session, "Tahmin akşam", f"{local}T12:00", own_server.settings)
        session.commit()
    engine.dispose()
    return local.isoformat()


def _shot(item: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    item.screenshot(path=str(SHOTS / f"{name}.png"))


def _draft(page: Page, day: str) -> Any:
    """The marketer types a date campaign at 11:00 that day, between the two, and saves it as a draft."""
    page.get_by_label(tr("camp.name"), exact=True).press_sequentially("Tahmin öğle")
    page.get_by_label(tr("mk.trigger.date")).check()
    page.get_by_label(tr("mk.send_at")).fill(f"{day}T11:00")
    value = page.get_by_label(tr("camp.offer_value"))
    value.fill("")
    value.press_sequentially("15")
    page.locator("#camp-channel").select_option("sms")
    page.get_by_role("button", name=tr("mk.save_draft")).click()
    expect(page.locator("#camp-result")).to_contain_text("Taslak kaydedildi")
    expect(page.locator("#camp-list")).to_have_attribute("aria-busy", "false")  # drawn again, its last time
    item = page.locator("#camp-list li", has_text="Tahmin öğle")
    expect(item.locator(".status")).to_have_text(tr("state.draft"))
    return item


def test_the_forecast_panel_shows_a_drafts_effect_per_week(
    browser: Browser, own_server: LiveServer, day: str
) -> None:
    context = browser.new_context(base_url=own_server.url, locale="tr-TR", viewport=VIEWPORTS["desktop"])
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "marketing", next_path="/marketing")
    item = _draft(page, day)

    # held on its way to the server: the panel shows its progress meanwhile
    held: list[Route] = []
    page.route("**/api/v1/campaigns/*/forecast*", lambda route: held.append(route))
    item.get_by_role("button", name=tr("mk.forecast")).click()
    panel = item.locator(".details")
    expect(panel.get_by_role("heading", name=tr("mk.fc.heading"))).to_be_visible()
    expect(panel.get_by_role("progressbar", name=tr("mk.fc.working"))).to_be_visible()
    expect(panel.locator(".forecast-out")).to_have_attribute("aria-busy", "true")
    _shot(item, "forecast-1-computing")
    take_held(page, held).continue_()
    page.unroute("**/api/v1/campaigns/*/forecast*")
    expect(panel.get_by_role("status")).to_contain_text(tr("mk.fc.done", weeks=13), timeout=PLAY_TIMEOUT)

    # a shorter period, chosen as a user would
    panel.get_by_label(tr("mk.fc.weeks")).select_option(label=tr("mk.fc.weeks_n", n=4))
    panel.get_by_role("button", name=tr("mk.fc.show")).click()
    expect(panel.get_by_role("status")).to_contain_text(tr("mk.fc.done", weeks=4), timeout=PLAY_TIMEOUT)
    expect(panel.locator(".forecast")).to_have_attribute("data-weeks", "4")
    week_table = panel.get_by_role("region", name=tr("mk.fc.per_week"))
    expect(week_table.locator("tbody tr").first).to_contain_text("₺")  # the cost as Turkish writes it
    # its own three coupons go; for the same three members the 12:00 campaign is pushed past the cap
    affected = panel.locator("ul.affected li", has_text="Tahmin akşam")
    expect(affected).to_have_count(3)
    expect(affected.first).to_contain_text(tr("mk.fc.fate.dropped"))
    expect(affected.first).to_contain_text(tr("mk.fc.why.cap"))
    expect(panel.locator("ul.affected li", has_text="Tahmin sabah")).to_have_count(0)
    item.scroll_into_view_if_needed()
    _shot(item, "forecast-2-effect")
    no_serious_violations(page)

    page.set_viewport_size(VIEWPORTS["phone"])
    item.scroll_into_view_if_needed()
    _shot(item, "forecast-3-phone")
    no_serious_violations(page)

    # the server cannot answer: said plainly, in the panel
    page.route(
        "**/api/v1/campaigns/*/forecast*",
        lambda route: route.fulfill(status=503, json={"detail": "database unavailable"}),
    )
    panel.get_by_role("button", name=tr("mk.fc.show")).click()
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text(tr("mk.fc.error", detail="database unavailable"))
    no_serious_violations(page)
    page.unroute("**/api/v1/campaigns/*/forecast*")

    # the English page (the docs' screenshot): numbers, money and dates as English writes them
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.goto("/marketing?lang=en")
    item = page.locator("#camp-list li", has_text="Tahmin öğle")
    item.get_by_role("button", name=gettext("mk.forecast", "en")).click()
    panel = item.locator(".details")
    panel.get_by_label(gettext("mk.fc.weeks", "en")).select_option("4")
    panel.get_by_role("button", name=gettext("mk.fc.show", "en")).click()
    done = gettext("mk.fc.done", "en", weeks=4)
    expect(panel.get_by_role("status")).to_contain_text(done, timeout=PLAY_TIMEOUT)
    expect(panel.get_by_role("region", name=gettext("mk.fc.per_week", "en"))).to_contain_text("TRY")
    _shot(item, "forecast-en")  # docs/img/marketing-forecast.png (`make doc-shots`)
    no_serious_violations(page)
    context.close()
    assert errors == [], errors
