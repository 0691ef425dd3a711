"""The counter's whole job in headless Chromium, at 1366x768 and 390x844, a screenshot of each step in
var/screenshots/<viewport>/ (docs/counter.md shows them) and axe-core on each state that matters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from loyalty.cards.numbers import format_card_number, new_card_number
from loyalty.core.clock import utcnow
from loyalty.core.i18n import gettext
from loyalty.coupons.codes import format_code
from loyalty.models.cards import Card, CardStatus
from loyalty.models.coupons import Coupon
from loyalty.models.purchases import Feedback, Purchase
from tests.builders import make_coupon, make_member, make_purchase
from tests.pages.conftest import sign_in, tr
from tests.pages.flows import VIEWPORTS, serious_violations, shot

pytestmark = pytest.mark.browser


def _regular(db: Session, name: str, phone: str) -> tuple[int, str]:
    """A member with two earlier visits and one active 10 % coupon: the next visit earns the card."""
    member = make_member(db, name, phone, sms=True)
    now = utcnow()
    make_purchase(db, member, "80.00", occurred_at=now - timedelta(days=12))
    make_purchase(db, member, "55.00", occurred_at=now - timedelta(days=5))
    coupon = make_coupon(db, member, value="10")
    db.commit()
    return member.id or 0, format_code(coupon.code)


def _held(db: Session, name: str, phone: str) -> str:
    member = make_member(db, name, phone)
    card = Card(
        member_id=member.id or 0, number=new_card_number(), holder_name=name, status=CardStatus.pending_review
    )
    db.add(card)
    db.add(Feedback(member_id=member.id or 0, score=2, comment="Kasada çok bekledim"))
    db.commit()
    return card.number


def _no_serious_violations(page: Page) -> None:
    found = serious_violations(page)
    assert found == [], found


@pytest.mark.both_databases(viewports=("desktop",))
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_find_purchase_with_coupon_undo_feedback_and_cards(
    page: Page, live_db: Session, viewport: str
) -> None:
    suffix = "1" if viewport == "desktop" else "2"
    name = "Çiğdem Öztürk" if viewport == "desktop" else "Gülşen Işıkçı"
    typed = "cigdem ozturk" if viewport == "desktop" else "GULSEN ISIKCI"
    member_id, code = _regular(live_db, name, f"+90532444000{suffix}")
    held_number = _held(live_db, f"Kemal Sunal {suffix}", f"+90532555000{suffix}")
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page, "staff", next_path="/counter")

    # the search field has the focus as the page opens
    expect(page.locator("#find-query")).to_be_focused()
    shot(page, viewport, "01-counter")
    _no_serious_violations(page)

    # a name typed without Turkish letters finds the member; the panel is right below the search
    page.locator("#find-query").fill(typed)
    page.keyboard.press("Enter")
    panel = page.locator("#member-panel")
    expect(panel.locator("#member-name")).to_have_text(name)
    expect(panel.locator("#member-phone")).to_have_text(f"0532 444 00 0{suffix}")
    expect(panel.locator("#member-progress")).to_contain_text("2 / 3")
    expect(panel.locator("#coupon-choices")).to_contain_text(code)
    find_box = page.locator("#find-section").bounding_box()
    panel_box = panel.bounding_box()
    assert find_box and panel_box and 0 <= panel_box["y"] - (find_box["y"] + find_box["height"]) < 40
    shot(page, viewport, "02-member-found")
    _no_serious_violations(page)

    # a wrong amount is explained next to the field, which gets the focus
    amount = page.locator("#purchase-amount")
    amount.fill("45,5,0")
    page.locator("#purchase-receipt").fill(f"FL-{suffix}-1")
    page.locator("#purchase-submit").click()
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_be_focused()
    expect(page.locator("#purchase-amount-error")).to_have_text(tr("field.amount"))
    shot(page, viewport, "03-amount-error")
    _no_serious_violations(page)

    # an unusually large amount asks first
    amount.fill("12.500")
    page.locator("#purchase-submit").click()
    result = page.locator("#purchase-result")
    expect(result).to_contain_text("12.500,00")
    shot(page, viewport, "04-large-amount-confirm")
    result.get_by_role("button", name=tr("common.cancel")).click()
    expect(amount).to_be_focused()

    # a coupon code that does not exist: said next to the coupon choice, nothing recorded
    amount.fill("45,50")
    page.locator("#purchase-coupon-code").fill("ZZZZ-ZZZZ-ZZZ")
    page.locator("#purchase-submit").click()
    expect(page.locator("#purchase-coupon-code-error")).to_have_text(tr("coupon.404"))
    shot(page, viewport, "05-coupon-error")

    # 45,50 with the coupon tapped: one step records the purchase, redeems it, and earns the card (3rd visit)
    panel.locator("#coupon-choices label", has_text=code).click()
    page.locator("#purchase-submit").click()
    expect(result).to_contain_text(tr("purchase.card_issued"))
    expect(result).to_contain_text(code)
    expect(result).to_contain_text("4,55")  # 10 % of 45,50
    expect(panel.locator("#coupon-choices")).not_to_contain_text(code)
    shot(page, viewport, "06-purchase-with-coupon")
    _no_serious_violations(page)
    live_db.rollback()  # a fresh snapshot of what the server committed
    amounts = live_db.exec(select(Purchase.amount).where(Purchase.member_id == member_id)).all()
    assert Decimal("45.50") in amounts and Decimal("4550.00") not in amounts

    # staff undo the redemption with a reason
    result.get_by_role("button", name=tr("purchase.undo")).click()
    result.get_by_label(tr("purchase.undo_reason")).fill("Müşteri kuponu başka gün kullanacak")
    shot(page, viewport, "07-undo-reason")
    result.get_by_role("button", name=tr("purchase.undo_confirm"), exact=True).click()
    expect(result).to_contain_text(tr("purchase.undone"))
    expect(panel.locator("#coupon-choices")).to_contain_text(code)
    live_db.rollback()  # a fresh snapshot of what the server committed
    assert live_db.exec(select(Coupon.status).where(Coupon.member_id == member_id)).one() == "issued"

    # the history: purchases (with the coupon), consent
    panel.locator("#member-history summary").click()
    expect(panel.locator("#history-purchases")).to_contain_text("45,50")
    expect(panel.locator("#history-messages")).to_contain_text(tr("purpose.card_welcome"))
    expect(panel.locator("#history-messages")).to_contain_text(tr("message.queued"))
    shot(page, viewport, "08-history", full_page=viewport == "phone")

    # feedback in the member's language
    question = panel.locator("#feedback-question")
    expect(question).to_have_text(tr("feedback.question"))
    panel.locator("label.score", has_text="9").first.click()
    panel.get_by_role("button", name=tr("feedback.submit")).click()
    expect(page.locator("#feedback-result")).to_contain_text(tr("feedback.done", score=9))
    shot(page, viewport, "09-feedback")

    # a lost card: confirmed with a reason, a new number; the old one then names the new one
    old_number = panel.locator("#member-card").get_attribute("data-number") or ""
    panel.locator("#card-replace").click()
    card_box = page.locator("#card-result")
    card_box.get_by_label(tr("card.replace_reason")).fill("Kart kayboldu")
    shot(page, viewport, "10-replace-confirm")
    card_box.get_by_role("button", name=tr("card.replace")).click()
    expect(card_box).to_contain_text(tr("card.replaced", number="")[:10])
    new_number = panel.locator("#member-card").get_attribute("data-number") or ""
    assert new_number and new_number != old_number
    page.locator("#find-query").fill(format_card_number(old_number))
    page.locator("#find-submit").click()
    expect(page.locator("#find-result")).to_contain_text(format_card_number(new_number))
    expect(page.locator("#find-submit")).to_be_enabled()  # the member is loaded
    expect(panel.locator("#member-name")).to_have_text(name)
    expect(panel.locator("#member-card")).to_contain_text(format_card_number(new_number))
    expect(page.locator("#card-result")).to_be_empty()
    shot(page, viewport, "11-old-card-scanned")

    # a held card: listed with its feedback; its panel offers no PDF; reject asks for a reason
    held = page.locator("#held-list li", has_text=f"Kemal Sunal {suffix}")
    expect(held).to_contain_text("Kasada çok bekledim")
    held.get_by_role("button", name=f"{tr('find.open')}: Kemal Sunal {suffix}").click()
    expect(panel.locator("#member-name")).to_have_text(f"Kemal Sunal {suffix}")
    expect(panel.locator("#card-pdf")).to_be_hidden()
    expect(panel.locator("#card-approve")).to_be_visible()
    expect(page.locator("#card-result")).to_contain_text(tr("card.held_note"))
    shot(page, viewport, "12-held-card")
    _no_serious_violations(page)
    held.get_by_role("button", name=f"{tr('card.reject')}: Kemal Sunal {suffix}").click()
    held.get_by_role("button", name=tr("card.reject"), exact=True).click()  # no reason yet
    expect(held.locator(".field-error")).to_have_text(tr("field.reason"))
    held.get_by_label(tr("card.reject_reason")).fill("Şikayet çözülene kadar bekletiliyor")
    page.locator("#held-list").scroll_into_view_if_needed()
    shot(page, viewport, "13-reject-confirm")
    held.get_by_role("button", name=tr("card.reject"), exact=True).click()
    expect(page.locator("#held-list")).not_to_contain_text(f"Kemal Sunal {suffix}")
    live_db.rollback()  # a fresh snapshot of what the server committed
    assert live_db.exec(select(Card.status).where(Card.number == held_number)).one() == "rejected"


def _contrast(page: Page) -> float:
    """Contrast of the focused element's outline against the page behind it (WCAG relative luminance)."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const lum = ([r, g, b]) => {
            const c = [r, g, b].map((v) => {
              v /= 255;
              return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
            });
            return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
          };
          const style = getComputedStyle(el);
          if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) return 0;
          let node = el.parentElement, bg = "rgb(255, 255, 255)";
          while (node) {
            const b = getComputedStyle(node).backgroundColor;
            if (b && !b.startsWith("rgba(0, 0, 0, 0)") && b !== "transparent") { bg = b; break; }
            node = node.parentElement;
          }
          const [a, b] = [lum(rgb(style.outlineColor)), lum(rgb(bg))];
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }"""
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_keyboard_only_find_then_purchase_with_coupon(page: Page, live_db: Session, viewport: str) -> None:
    """No mouse: the search has the focus, Enter finds, the amount is next, the coupon is chosen with the
    arrow keys, Enter records. Every focused control shows a ring of 3:1 or more against its background."""
    suffix = "3" if viewport == "desktop" else "4"
    member_id, code = _regular(live_db, f"Klavye Kullanıcısı {suffix}", f"+90532666000{suffix}")
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page, "staff", next_path="/counter")
    expect(page.locator("#find-query")).to_be_focused()
    page.keyboard.type(f"0532 666 00 0{suffix}")
    assert _contrast(page) >= 3
    page.keyboard.press("Enter")
    expect(page.locator("#member-name")).to_have_text(f"Klavye Kullanıcısı {suffix}")
    expect(page.locator("#purchase-amount")).to_be_focused()
    page.keyboard.type("250,00")
    assert _contrast(page) >= 3
    page.keyboard.press("Tab")
    expect(page.locator("#purchase-receipt")).to_be_focused()
    page.keyboard.type(f"KB-{suffix}")
    page.keyboard.press("Tab")  # into the coupon choices: "no coupon" is checked and focused
    expect(page.locator('#coupon-choices input[value=""]')).to_be_focused()
    assert _contrast(page) >= 3
    page.keyboard.press("ArrowDown")  # the member's coupon
    expect(page.locator(f'#coupon-choices input[value="{code}"]')).to_be_checked()
    shot(page, viewport, "20-keyboard-coupon-chosen")
    page.keyboard.press("Tab")  # the other-code field
    page.keyboard.press("Tab")  # the submit button
    expect(page.locator("#purchase-submit")).to_be_focused()
    assert _contrast(page) >= 3
    shot(page, viewport, "21-keyboard-submit-focused")
    page.keyboard.press("Enter")
    result = page.locator("#purchase-result")
    expect(result).to_contain_text(code)
    expect(result).to_contain_text("25,00")  # 10 % of 250,00
    shot(page, viewport, "22-keyboard-done")
    live_db.rollback()
    assert live_db.exec(select(Coupon.status).where(Coupon.member_id == member_id)).one() == "redeemed"


def test_the_feedback_question_is_in_the_members_language(page: Page, live_db: Session) -> None:
    """The page is Turkish; an English-speaking member is asked in English (marked lang="en")."""
    make_member(live_db, "Oliver Twist", "+447911123456", locale="en")
    live_db.commit()
    sign_in(page, "staff", next_path="/counter")
    page.locator("#find-query").fill("oliver")
    page.keyboard.press("Enter")
    expect(page.locator("#member-name")).to_have_text("Oliver Twist")
    # international: not a Turkish number
    expect(page.locator("#member-phone")).to_have_text("+44 7911 123456")
    question = page.locator("#feedback-question")
    expect(question).to_have_text(gettext("feedback.question", "en"))
    expect(question).to_have_attribute("lang", "en")
    expect(page.locator("#feedback-heading")).to_have_text(tr("feedback.heading"))  # the page stays Turkish
    page.locator("label.score", has_text="4").first.click()
    page.get_by_role("button", name=tr("feedback.submit")).click()
    expect(page.locator("#feedback-result")).to_contain_text(tr("feedback.held"))  # 0-6: the next card waits
