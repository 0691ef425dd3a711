"""The member's own page at 1366x768 and 390x844: the card (QR and PDF), coupons with their last day,
visits toward a card, occasions (add; retire with a few seconds to undo), a pause until the chosen day.
A screenshot of each step in var/screenshots/<viewport>/, axe-core on each state that matters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from loyalty.cards.numbers import format_card_number, new_card_number
from loyalty.core.clock import utcnow
from loyalty.core.tokens import member_page_token
from loyalty.coupons.codes import format_code
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Member
from loyalty.models.messages import Message
from loyalty.models.occasions import Occasion
from tests.builders import make_coupon, make_member, make_purchase
from tests.pages.conftest import LiveServer, tr
from tests.pages.flows import VIEWPORTS, serious_violations, shot
from tests.wallet.pass_files import unzip

pytestmark = pytest.mark.browser


def _no_serious_violations(page: Page) -> None:
    found = serious_violations(page)
    assert found == [], found


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_members_own_page(page: Page, live_server: LiveServer, live_db: Session, viewport: str) -> None:
    suffix = "5" if viewport == "desktop" else "6"
    member = make_member(live_db, "Ayşe Kartlı", f"+90532777000{suffix}", sms=True)
    card = Card(
        member_id=member.id or 0,
        number=new_card_number(),
        holder_name="Ayşe Kartlı",
        status=CardStatus.active,
    )
    live_db.add(card)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    coupon = make_coupon(live_db, member, value="15", valid_from=start, expires_at=start + timedelta(days=30))
    newcomer = make_member(live_db, "Can Yeni", f"+90532777100{suffix}")
    make_purchase(live_db, newcomer, occurred_at=utcnow() - timedelta(days=3))
    live_db.commit()
    page.set_viewport_size(VIEWPORTS[viewport])
    secret = live_server.settings.secret_key

    # a newcomer sees the visits toward a card
    page.goto(f"/m/{member_page_token(secret, newcomer.id or 0)}")
    expect(page.locator("#self-progress")).to_contain_text(
        tr("self.progress.text", visits=1, needed=3, days=180)
    )
    expect(page.locator("#self-card")).to_have_text(tr("self.card.none"))
    shot(page, viewport, "30-member-newcomer")

    # a member with a card: the number, its QR code, the PDF; coupons with their last day
    page.goto(f"/m/{member_page_token(secret, member.id or 0)}")
    expect(page.locator("#self-card")).to_contain_text(format_card_number(card.number))
    qr = page.get_by_role("img", name=f"{tr('self.card.qr')}: {format_card_number(card.number)}")
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", qr.element_handle()) > 0
    expect(page.locator("#progress-section")).to_be_hidden()
    coupons = page.locator("#self-coupons")
    expect(coupons).to_contain_text(format_code(coupon.code))
    expect(coupons).to_contain_text("20 Aralık 2026")  # the last day it is good for, in Istanbul
    wallet = page.get_by_role("link", name=tr("self.card.apple_wallet"))
    expect(wallet).to_be_visible()
    expect(page.locator("#self-card")).to_contain_text(tr("self.card.wallet_note"))
    shot(page, viewport, "31-member-card-and-coupons")
    _no_serious_violations(page)
    served = page.request.get(wallet.get_attribute("href") or "")
    assert served.ok and served.headers["content-type"] == "application/vnd.apple.pkpass"
    assert json.loads(unzip(served.body())["pass.json"])["barcodes"][0]["message"] == card.number
    google = page.get_by_role("link", name=tr("self.card.google_wallet"))
    expect(google).to_be_visible()
    saving = page.request.get(google.get_attribute("href") or "", max_redirects=0)  # never leaves the machine
    assert saving.status == 303 and saving.headers["location"].startswith("https://pay.google.com/gp/v/save/")
    with page.expect_download() as download:
        page.get_by_role("button", name=tr("self.card.pdf")).click()
    assert download.value.suggested_filename == f"card-{card.number}.pdf"

    # an occasion with its purpose
    page.get_by_role("button", name=tr("self.add.submit")).click()  # nothing filled: said next to the fields
    purpose = page.get_by_label(tr("self.add.purpose"))
    expect(purpose).to_have_attribute("aria-invalid", "true")
    expect(purpose).to_be_focused()
    shot(page, viewport, "32-occasion-errors")
    page.get_by_label(tr("self.add.kind")).select_option("birthday")
    page.get_by_label(tr("self.add.for_whom")).select_option("mother")
    purpose.fill("Annemin doğum günü; her yıl çiçek alırım")
    page.get_by_label(tr("self.add.date"), exact=True).fill("1956-05-12")
    page.get_by_role("button", name=tr("self.add.submit")).click()
    item = page.locator("#occasions li").first
    expect(item).to_contain_text("Annemin doğum günü")
    shot(page, viewport, "33-occasion-added")

    # retire it, take it back, then retire it for good
    item.get_by_role("button", name=tr("self.occasions.retire")).click()
    undo_box = page.locator("#occasions-undo")
    expect(item).to_be_hidden()
    expect(undo_box.get_by_role("button", name=tr("common.undo"))).to_be_focused()
    shot(page, viewport, "34-occasion-undo-offered")
    undo_box.get_by_role("button", name=tr("common.undo")).click()
    expect(item).to_be_visible()
    live_db.rollback()
    stored = live_db.exec(select(Occasion).where(Occasion.member_id == member.id)).one()
    assert stored.status == "active"
    item.get_by_role("button", name=tr("self.occasions.retire")).click()
    expect(undo_box).to_contain_text(tr("self.occasions.retired"))
    live_db.rollback()
    live_db.refresh(stored)
    assert stored.status == "retired"

    # a pause until 15.01.2027: shown and stored as that day
    page.get_by_label(tr("self.pause.until")).fill("2027-01-15")
    page.get_by_role("button", name=tr("self.pause.submit")).click()
    expect(page.locator("#pause-state")).to_contain_text("15 Ocak 2027")
    page.locator("#pause-state").scroll_into_view_if_needed()
    shot(page, viewport, "35-paused-until")
    _no_serious_violations(page)
    live_db.rollback()
    paused = live_db.get(Member, member.id)
    assert paused is not None and paused.paused_until == datetime(2027, 1, 15, 21, 0, tzinfo=UTC)

    # add an e-mail address: nothing changes until the link sent there is opened
    page.get_by_label(tr("self.email.label")).fill("yanlis-adres")
    page.get_by_role("button", name=tr("self.email.submit")).click()
    expect(page.get_by_label(tr("self.email.label"))).to_have_attribute("aria-invalid", "true")
    new_address = f"uye{member.id}.{viewport}@example.com"
    page.get_by_label(tr("self.email.label")).fill(new_address)
    page.get_by_label(tr("self.email.consent")).check()
    page.get_by_role("button", name=tr("self.email.submit")).click()
    expect(page.locator("#email-result")).to_contain_text(new_address)
    page.locator("#email-result").scroll_into_view_if_needed()
    shot(page, viewport, "36-email-confirmation-sent")
    _no_serious_violations(page)
    live_db.rollback()
    unchanged = live_db.get(Member, member.id)
    assert unchanged is not None and unchanged.email != new_address
    sent = live_db.exec(
        select(Message).where(Message.member_id == member.id, Message.purpose == "email_confirmation")
    ).all()
    assert [m.context["confirm_address"] for m in sent] == [new_address]
    page.goto(str(sent[0].context["confirm_url"]).removeprefix(live_server.settings.public_base_url))
    page.get_by_role("button", name=tr("emailconfirm.button")).click()
    expect(page.get_by_role("status")).to_contain_text(new_address)
    shot(page, viewport, "37-email-confirmed")
    live_db.rollback()
    confirmed = live_db.get(Member, member.id)
    assert confirmed is not None and confirmed.email == new_address and confirmed.email_opt_in is True
