"""The member's own page (/m/{token}) in headless Chromium: occasions with purpose, retire, pause, consent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from loyalty.core.tokens import member_page_token
from loyalty.models.members import ConsentEvent, Member
from loyalty.models.occasions import Occasion
from tests.builders import make_member
from tests.pages.conftest import LiveServer, sign_in, tr

pytestmark = pytest.mark.browser


def fresh(session: Session, row: object) -> None:
    """Re-read ``row`` in a new transaction (the page changed it through the server meanwhile)."""
    session.rollback()
    session.refresh(row)


def test_a_member_states_an_occasion_retires_it_pauses_and_opts_out(
    page: Page, live_server: LiveServer, live_db: Session
) -> None:
    member = make_member(live_db, "Elif'in annesi Gül Şahin", "+905338880011", sms=True)
    live_db.commit()
    assert member.id is not None
    page.goto(f"/m/{member_page_token(live_server.settings.secret_key, member.id)}")
    expect(page.locator("#self-hello")).to_have_text(tr("self.hello", name="Elif'in annesi Gül Şahin"))
    expect(page.locator("nav")).to_have_count(0)  # no staff menu on a member's page
    expect(page.get_by_label(tr("self.consent.sms"))).to_be_checked()
    expect(page.locator("#occasions")).to_have_text(tr("self.occasions.none"))

    page.get_by_label(tr("self.add.kind")).select_option("birthday")
    page.get_by_label(tr("self.add.for_whom")).select_option("daughter")
    page.get_by_label(tr("self.add.relation_name")).fill("Elif")
    page.get_by_label(tr("self.add.purpose")).fill("Kızım Elif 10 yaşına giriyor, pastasını sizden alırız")
    page.get_by_label(tr("self.add.date"), exact=True).fill("2016-03-14")
    page.get_by_role("button", name=tr("self.add.submit")).click()
    expect(page.locator("#add-result")).to_contain_text(tr("self.add.done"))
    item = page.locator("#occasions li").first
    expect(item).to_contain_text("kızınız Elif")  # the shop speaks to the member (issue 10)
    expect(item).to_contain_text("Kızım Elif 10 yaşına giriyor")
    expect(item).to_contain_text(tr("self.occasions.yearly"))  # a birthday comes back every year
    stored = live_db.exec(select(Occasion).where(Occasion.member_id == member.id)).one()
    assert (stored.stated_by, stored.month, stored.day, stored.relation_name) == ("member", 3, 14, "Elif")

    item.get_by_role("button", name=tr("self.occasions.retire")).click()
    expect(page.locator("#occasions-undo")).to_contain_text(
        tr("common.undo")
    )  # a few seconds to take it back
    expect(page.locator("#occasions-undo")).to_contain_text(tr("self.occasions.retired"))
    expect(page.locator("#occasions")).to_have_text(tr("self.occasions.none"))
    fresh(live_db, stored)
    assert (stored.status, stored.retired_by) == ("retired", "member")

    until = date.today() + timedelta(days=30)
    page.get_by_label(tr("self.pause.until")).fill(until.isoformat())
    page.get_by_role("button", name=tr("self.pause.submit")).click()
    expect(page.get_by_role("button", name=tr("self.pause.resume"))).to_be_visible()
    expect(page.locator("#pause-state")).to_contain_text(str(until.year))
    fresh(live_db, member)
    assert member.paused and member.paused_until is not None
    page.get_by_role("button", name=tr("self.pause.resume")).click()
    expect(page.locator("#pause-state")).to_have_text(tr("self.pause.active"))

    page.get_by_label(tr("self.consent.sms")).uncheck()
    page.get_by_role("button", name=tr("self.consent.save")).click()
    expect(page.locator("#consent-result")).to_contain_text(tr("self.consent.saved"))
    fresh(live_db, member)
    assert member.sms_opt_in is False and member.paused is False
    live_db.rollback()
    event = live_db.exec(select(ConsentEvent).where(ConsentEvent.member_id == member.id)).all()[-1]
    assert (event.channel, event.granted) == ("sms", False)
    assert (event.source, event.actor) == ("self_service", "member")


def test_a_damaged_link_says_it_is_not_valid(page: Page, live_server: LiveServer) -> None:
    token = member_page_token(live_server.settings.secret_key, 1)
    page.goto(f"/m/{token[:-3]}xyz")
    expect(page.locator("#self-error")).to_contain_text(tr("self.invalid"))
    expect(page.locator(".needs-role")).to_be_hidden()


def test_staff_get_the_members_link_at_the_counter(page: Page, live_db: Session) -> None:
    member = make_member(live_db, "Ömer Faruk Ünal", "+905339990022")
    live_db.commit()
    sign_in(page, "staff", next_path="/counter")
    page.get_by_label(tr("find.query")).fill("0533 999 00 22")
    page.get_by_role("button", name=tr("find.submit"), exact=True).click()
    expect(page.locator("#member-name")).to_have_text("Ömer Faruk Ünal")
    page.get_by_role("button", name=tr("self.link")).click()
    link = page.locator("#self-link-url")
    expect(link).to_contain_text("/m/")
    href = link.get_attribute("href") or ""
    page.goto(href[href.index("/m/") :])
    expect(page.locator("#self-hello")).to_have_text(tr("self.hello", name="Ömer Faruk Ünal"))
    assert live_db.get(Member, member.id) is not None
