"""Marketing's page tells the truth (issue 22, point 5): the calendar opens on the next 12 months, planning
from a row sets that one year, scheduling into the quiet hours warns first, no raw "null" appears, and a
campaign is "done" only when every message of it has a fate."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.models.messages import Category, Message, MessageState
from tests.builders import make_campaign_run, make_member
from tests.pages.conftest import sign_in, tr
from tests.pages.flows import VIEWPORTS, shot

pytestmark = pytest.mark.browser


def test_the_calendar_opens_on_the_next_twelve_months_and_plans_one_year(page: Page) -> None:
    sign_in(page, "marketing", next_path="/marketing")
    expect(page.locator("#cal-caption")).to_have_text(tr("cal.upcoming"))
    rows = page.locator("#cal-table tbody tr")
    expect(rows.first).to_be_visible()
    shown = rows.locator("time").evaluate_all("(ts) => ts.map((t) => t.dateTime)")
    dates = [date.fromisoformat(d) for d in shown]
    today = datetime.now(ZoneInfo("Europe/Istanbul")).date()
    assert dates and min(dates) >= today and max(dates) < today.replace(year=today.year + 1)
    assert any(d.year == today.year + 1 for d in dates)  # not only what is left of this year

    last = rows.last
    planned_year = last.locator("time").get_attribute("datetime")[:4]  # type: ignore[index]
    last.get_by_role("button").click()
    expect(page.locator("#camp-once")).to_be_checked()
    expect(page.locator("#camp-year")).to_have_value(planned_year)


def test_scheduling_into_the_quiet_hours_warns_and_no_null_shows(page: Page) -> None:
    sign_in(page, "marketing", next_path="/marketing")
    page.get_by_label(tr("camp.name"), exact=True).fill("Gece yarısı kampanyası")
    page.locator("#camp-form input[name=trigger_type][value=date]").check()
    page.locator("#camp-send-at").fill("2030-01-15T23:02")
    page.get_by_label(tr("camp.offer_value")).fill("10")
    page.get_by_role("button", name=tr("mk.save_draft")).click()
    item = page.locator("#camp-list li", has_text="Gece yarısı kampanyası")
    item.get_by_role("button", name=tr("mk.schedule")).click()
    dialog = page.locator("#confirm")
    expect(dialog).to_contain_text(tr("mk.quiet_warning", time="23:02", start="21:00", end="09:00"))
    expect(dialog).to_contain_text(tr("mk.overlaps.cap_far", cap=2, days=7, limit=400))  # 2030: not played
    shot(page, "desktop", "40-quiet-hours-warning")
    dialog.get_by_role("button", name=tr("mk.schedule_ok")).click()
    expect(item.locator(".status")).to_have_text(tr("state.scheduled"))
    expect(item.locator(".actions")).not_to_contain_text("null")
    expect(item.locator(".actions button").first).to_be_visible()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_campaign_is_done_only_when_every_message_has_a_fate(
    page: Page, live_db: Session, viewport: str
) -> None:
    """Its run is done but its messages wait for the quiet hours: "messages going out", with how many wait;
    once they have a fate, "done"."""
    name = f"Gece yarısı bayramı {viewport}"
    run = make_campaign_run(live_db, run_key="2026", name=name, status="done")
    run.status = "done"
    live_db.add(run)
    member = make_member(live_db, f"Gece Üyesi {viewport}", f"+9053377766{len(viewport):02d}")
    message = Message(
        member_id=member.id,
        channel="sms",
        requested_channel="sms",
        dedupe_key=f"truths-done:{run.id}",
        purpose="holiday_coupon",
        category=Category.promotional,
        campaign_id=run.campaign_id,
        run_id=run.id,
        state=MessageState.queued,
        not_before=utcnow() + timedelta(hours=9),
    )
    live_db.add(message)
    live_db.commit()

    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page, "marketing", next_path="/marketing")
    item = page.locator("#camp-list li", has_text=name)
    expect(item.locator(".status")).to_have_text(tr("state.sending"))
    item.get_by_role("button", name=tr("camp.results")).click()
    facts = item.locator(".details dl.facts")
    expect(facts).to_contain_text(tr("state.sending"))
    expect(
        facts.locator("dt", has_text=tr("camp.waiting")).locator("xpath=following-sibling::dd[1]")
    ).to_have_text("1")
    shot(page, viewport, "41-campaign-messages-waiting", full_page=True)

    message.state, message.sent_at = MessageState.sent, utcnow()
    live_db.add(message)
    live_db.commit()
    page.reload()
    item = page.locator("#camp-list li", has_text=name)
    expect(item.locator(".status")).to_have_text(tr("state.done"))
    item.get_by_role("button", name=tr("camp.results")).click()
    expect(item.locator(".details dl.facts")).to_contain_text(tr("state.done"))
    expect(item.locator(".details dl.facts")).not_to_contain_text(tr("camp.waiting"))
