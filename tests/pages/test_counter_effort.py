"""The counter as fast as a POS (issue 22, point 4), counted: every key and click goes through ``Effort``.

Register -> first purchase <= 3 clicks + 35 keys; a purchase with a coupon <= 1 click + 15 keys. Also: the
form clears when the member changes, a double submit records one purchase (the page's own receipt key), the
held-cards list and the progress update without a reload, and a rejected card says why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session, select

from loyalty.core.db import utcnow
from loyalty.models.cards import Card
from loyalty.models.members import Member
from loyalty.models.occasions import Occasion
from loyalty.models.purchases import Feedback, Purchase
from tests.builders import make_coupon, make_member, make_purchase
from tests.pages.conftest import sign_in, tr
from tests.pages.flows import VIEWPORTS, shot

pytestmark = pytest.mark.browser


@dataclass
class Effort:
    """Keys and clicks as a cashier spends them: typing counts one key per character."""

    page: Page
    keys: int = 0
    clicks: int = 0

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.keys += len(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1

    def click(self, target: Locator) -> None:
        target.click()
        self.clicks += 1


def _purchases(db: Session, member_id: int) -> list[Purchase]:
    db.expire_all()
    rows = list(db.exec(select(Purchase).where(Purchase.member_id == member_id)).all())
    db.commit()
    return rows


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_register_then_first_purchase_in_few_keys(page: Page, live_db: Session, viewport: str) -> None:
    suffix = "1" if viewport == "desktop" else "2"
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page, "staff", next_path="/counter")
    expect(page.locator("#find-query")).to_be_focused()
    effort = Effort(page)
    effort.type(f"53277700{suffix}0")  # a new customer's phone
    effort.press("Enter")
    expect(page.locator("#find-result")).to_contain_text(tr("find.none_register"))
    expect(page.get_by_label(tr("member.name"), exact=True)).to_be_focused()
    effort.type("Ali Can")
    effort.click(page.get_by_label(tr("member.consent_sms"), exact=True))
    page.get_by_label(tr("member.name"), exact=True).focus()  # not counted: clicking a box keeps the form
    effort.click(page.get_by_role("button", name=tr("register.submit")))
    expect(page.locator("#member-name")).to_have_text("Ali Can")
    expect(page.locator("#purchase-amount")).to_be_focused()
    effort.type("45")
    effort.press("Enter")  # no receipt typed: the page gives the sale its own key
    expect(page.locator("#purchase-result")).to_contain_text(tr("purchase.done"))
    expect(page.locator("#member-progress")).to_contain_text("1 / 3")
    expect(page.locator("#find-query")).to_be_focused()  # ready for the next customer
    shot(page, viewport, "30-register-and-first-purchase")
    assert effort.clicks <= 3 and effort.keys <= 35, effort

    member = live_db.exec(select(Member).where(Member.phone == f"+9053277700{suffix}0")).one()
    live_db.commit()
    (purchase,) = _purchases(live_db, member.id or 0)
    assert purchase.receipt_id.startswith("K-") and len(purchase.receipt_id) == 18


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_purchase_with_a_coupon_in_one_click(page: Page, live_db: Session, viewport: str) -> None:
    suffix = "3" if viewport == "desktop" else "4"
    member = make_member(live_db, f"Kuponlu Müşteri {suffix}", f"+90532777003{suffix}")
    make_coupon(live_db, member, value="10")
    live_db.commit()
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page, "staff", next_path="/counter")
    effort = Effort(page)
    effort.type(f"532777003{suffix}")
    effort.press("Enter")
    expect(page.locator("#purchase-amount")).to_be_focused()
    effort.type("200")
    effort.click(page.locator("#coupon-choices label.coupon"))
    effort.press("Enter")
    result = page.locator("#purchase-result")
    expect(result).to_contain_text(tr("purchase.with_coupon", code="").strip(" ·:"))
    expect(result).to_contain_text("₺180,00")  # 10 % off 200: what is left to pay
    assert effort.clicks <= 1 and effort.keys <= 15, effort
    (purchase,) = _purchases(live_db, member.id or 0)
    assert purchase.amount == 200


def test_the_form_clears_for_the_next_member_and_a_double_submit_records_once(
    page: Page, live_db: Session
) -> None:
    first = make_member(live_db, "Birinci Müşteri", "+905327770051")
    make_member(live_db, "İkinci Müşteri", "+905327770052")
    live_db.commit()
    sign_in(page, "staff", next_path="/counter")
    page.get_by_label(tr("find.query")).fill("0532 777 00 51")
    page.keyboard.press("Enter")
    expect(page.locator("#member-name")).to_have_text("Birinci Müşteri")
    page.get_by_label(tr("purchase.amount")).fill("99,90")
    page.get_by_label(tr("purchase.receipt")).fill("UNUTULAN-1")
    page.get_by_label(tr("find.query")).fill("0532 777 00 52")
    page.keyboard.press("Enter")
    expect(page.locator("#member-name")).to_have_text("İkinci Müşteri")
    expect(page.get_by_label(tr("purchase.amount"))).to_have_value("")
    expect(page.get_by_label(tr("purchase.receipt"))).to_have_value("")

    page.get_by_label(tr("find.query")).fill("0532 777 00 51")
    page.keyboard.press("Enter")
    expect(page.locator("#member-name")).to_have_text("Birinci Müşteri")
    amount = page.get_by_label(tr("purchase.amount"))
    amount.fill("30")
    # two submits before the first answer: the same page key, one purchase
    page.evaluate(
        "() => { const f = document.getElementById('purchase-form'); f.requestSubmit(); f.requestSubmit(); }"
    )
    expect(page.locator("#purchase-result")).to_contain_text(
        re.compile(f"{re.escape(tr('purchase.done'))}|{re.escape(tr('purchase.repeat'))}")
    )
    page.wait_for_function("() => !document.getElementById('purchase-submit').disabled")
    assert len(_purchases(live_db, first.id or 0)) == 1


def test_a_card_held_by_a_purchase_appears_at_once_and_a_rejected_card_says_why(
    page: Page, live_db: Session
) -> None:
    member = make_member(live_db, "Mutsuz Müşteri", "+905327770061")
    now = utcnow()
    make_purchase(live_db, member, "50.00", occurred_at=now - timedelta(days=10))
    make_purchase(live_db, member, "50.00", occurred_at=now - timedelta(days=4))
    live_db.add(Feedback(member_id=member.id or 0, score=1, comment="Soğuktu"))
    live_db.commit()
    sign_in(page, "staff", next_path="/counter")
    held = page.locator("#held-list li", has_text="Mutsuz Müşteri")
    expect(page.locator("#held-list li").first).to_be_visible()
    expect(held).to_have_count(0)
    page.get_by_label(tr("find.query")).fill("0532 777 00 61")
    page.keyboard.press("Enter")
    page.get_by_label(tr("purchase.amount")).fill("40")
    page.keyboard.press("Enter")
    expect(page.locator("#purchase-result")).to_contain_text(tr("purchase.card_pending"))
    expect(held).to_have_count(1)  # no reload
    expect(page.locator("#member-progress")).to_have_text(tr("member.progress_held"))

    page.locator("#card-reject").click()
    page.get_by_label(tr("card.reject_reason")).fill("Şikâyet çözülmedi")
    page.locator("#card-result").get_by_role("button", name=tr("card.reject")).click()
    expect(page.locator("#card-result")).to_contain_text(tr("card.rejected"))
    expect(page.locator("#member-card")).to_contain_text(f"{tr('card.reason')}: Şikâyet çözülmedi")
    expect(page.locator("#member-progress")).to_have_text(tr("member.progress_rejected"))
    expect(held).to_have_count(0)
    card = live_db.exec(select(Card).where(Card.member_id == member.id)).one()
    live_db.commit()
    assert card.review_reason == "Şikâyet çözülmedi"


def test_an_occasion_the_customer_tells_is_added_at_the_counter_with_their_consent(
    page: Page, live_db: Session
) -> None:
    member = make_member(live_db, "Özel Günlü Müşteri", "+905327770071")
    live_db.commit()
    sign_in(page, "staff", next_path="/counter")
    page.get_by_label(tr("find.query")).fill("0532 777 00 71")
    page.keyboard.press("Enter")
    expect(page.locator("#member-name")).to_have_text("Özel Günlü Müşteri")
    page.locator("#occasion-add summary").click()
    form = page.locator("#occasion-form")
    form.get_by_label(tr("self.add.kind")).select_option("birthday")
    form.get_by_label(tr("self.add.for_whom")).select_option("daughter")
    form.get_by_label(tr("self.add.date")).fill("2015-03-14")
    form.get_by_label(tr("counter.occasion.purpose")).fill("Kızı Elif'in doğum günü, pasta alıyor")
    form.get_by_role("button", name=tr("self.add.submit")).click()
    expect(page.locator("#occ-consent-error")).to_have_text(tr("counter.occasion.consent_needed"))
    form.get_by_label(tr("counter.occasion.consent")).check()
    form.get_by_role("button", name=tr("self.add.submit")).click()
    done = tr("counter.occasion.done", kind="", date="")[:10]
    expect(page.locator("#occasion-result")).to_contain_text(done)
    occasions = live_db.exec(select(Occasion).where(Occasion.member_id == member.id)).all()
    live_db.commit()
    assert [(o.kind, o.for_whom, o.purpose) for o in occasions] == [
        ("birthday", "daughter", "Kızı Elif'in doğum günü, pasta alıyor")
    ]
    assert occasions[0].stated_by == "user:kasiyer"
