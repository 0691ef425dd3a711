"""The counter in headless Chromium: register, three purchases earn the card, its PDF, search."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from loyalty.core.clock import utcnow
from loyalty.coupons.codes import format_code
from loyalty.models.members import Member
from tests.builders import make_campaign_run, make_coupon, make_member, make_purchase
from tests.pages.conftest import sign_in, tr

pytestmark = pytest.mark.browser


def record_purchase(page: Page, amount: str, receipt: str) -> None:
    page.get_by_label(tr("purchase.amount")).fill(amount)
    page.get_by_label(tr("purchase.receipt")).fill(receipt)
    page.get_by_role("button", name=tr("purchase.submit")).click()


def find(page: Page, query: str) -> None:
    page.get_by_label(tr("find.query")).fill(query)
    page.get_by_role("button", name=tr("find.submit"), exact=True).click()


@pytest.mark.both_databases
def test_register_three_visits_earn_the_card_and_its_pdf_downloads(
    page: Page, tmp_path: Path, live_db: Session
) -> None:
    sign_in(page, "staff", next_path="/counter")

    page.get_by_label(tr("member.name"), exact=True).fill("Işıl Çağlar Öztürk")
    page.get_by_label(tr("member.phone"), exact=True).fill("0532 611 22 33")
    page.get_by_label(tr("member.email"), exact=True).fill("isil@example.com")
    page.get_by_label(tr("member.consent_sms"), exact=True).check()
    page.get_by_role("button", name=tr("register.submit")).click()
    expect(page.locator("#register-result")).to_contain_text(tr("register.done"))
    panel = page.locator("#member-panel")
    expect(panel.locator("#member-name")).to_have_text("Işıl Çağlar Öztürk")
    expect(panel.locator("#member-phone")).to_have_text("0532 611 22 33")  # stored in E.164, shown nationally
    expect(panel.locator("#member-consent")).to_contain_text(f"SMS: {tr('common.yes')}")
    expect(panel.locator("#member-card")).to_have_text(tr("member.no_card"))

    receipt = page.get_by_label(tr("purchase.receipt"))
    result = page.locator("#purchase-result")
    record_purchase(page, "120,50", "FIS-1")
    expect(receipt).to_have_value("")  # cleared only after the API accepted it
    expect(result).to_contain_text(tr("purchase.done"))
    expect(result).to_contain_text("120,50")
    record_purchase(page, "80", "FIS-2")  # the same day: still the first visit
    expect(result).to_contain_text("80,00")  # this sale's answer, not the one before it
    expect(result).not_to_contain_text(tr("purchase.card_issued"))
    expect(panel.locator("#member-card")).to_have_text(tr("member.no_card"))
    expect(panel.locator("#member-progress")).to_contain_text("1 / 3")

    # two earlier visits on other days (as if she had come last week and the week before)
    member = live_db.exec(select(Member).where(Member.phone == "+905326112233")).one()
    live_db.commit()  # end the read: SQLite refuses to turn an older read into a write
    make_purchase(live_db, member, "30.00", occurred_at=utcnow() - timedelta(days=14))
    make_purchase(live_db, member, "30.00", occurred_at=utcnow() - timedelta(days=7))
    live_db.commit()

    record_purchase(page, "45.90", "FIS-3")  # the third visit earns the card
    expect(result).to_contain_text(tr("purchase.card_issued"))
    card_text = panel.locator("#member-card")
    expect(card_text).to_contain_text(tr("card.status.active"))
    card_number = card_text.get_attribute("data-number") or ""
    assert len(card_number) == 16 and card_number.isdigit()
    grouped = " ".join(card_number[i : i + 4] for i in range(0, 16, 4))
    expect(result).to_contain_text(grouped)  # shown grouped by four, as printed

    with page.expect_download() as download_info:
        result.get_by_role("button", name=tr("card.pdf")).click()
    download = download_info.value
    assert download.suggested_filename == f"card-{card_number}.pdf"
    pdf = tmp_path / "card.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    # the same receipt again: said so, nothing recorded twice
    record_purchase(page, "45.90", "FIS-3")
    expect(result).to_contain_text(tr("purchase.repeat"))

    # found again by the phone in another form, then by scanning the card number
    page.goto("/counter")
    find(page, "+90 (532) 611-2233")
    expect(panel.locator("#member-name")).to_have_text("Işıl Çağlar Öztürk")
    expect(panel.locator("#member-card")).to_contain_text(grouped)
    page.goto("/counter")
    find(page, grouped)  # a scanner or a person typing the grouped number
    expect(panel.locator("#member-name")).to_have_text("Işıl Çağlar Öztürk")
    with page.expect_download() as again:
        panel.get_by_role("button", name=tr("card.pdf")).click()
    assert again.value.suggested_filename == f"card-{card_number}.pdf"

    # the same phone cannot register twice: the 409 is shown in the page language
    page.get_by_label(tr("member.name"), exact=True).fill("Başka Biri")
    page.get_by_label(tr("member.phone"), exact=True).fill("5326112233")
    page.get_by_role("button", name=tr("register.submit")).click()
    expect(page.locator("#register-result")).to_contain_text(tr("register.exists"))


def test_input_errors_and_unknown_things_are_explained(page: Page) -> None:
    sign_in(page, "staff", next_path="/counter")
    page.get_by_label(tr("member.name"), exact=True).fill("Ahmet Yılmaz")
    page.get_by_label(tr("member.phone"), exact=True).fill("12")
    page.get_by_role("button", name=tr("register.submit")).click()
    phone = page.get_by_label(tr("member.phone"), exact=True)
    expect(phone).to_have_attribute("aria-invalid", "true")  # said next to the field, in the page's language
    expect(phone).to_be_focused()
    expect(page.locator("#reg-phone-error")).to_have_text(tr("field.phone"))

    find(page, "0532 999 88 77")  # a phone nobody has: registration gets it, the name is next to type
    expect(page.locator("#find-result")).to_contain_text(tr("find.none_register"))
    expect(page.get_by_label(tr("member.phone"), exact=True)).to_have_value("0532 999 88 77")
    expect(page.get_by_label(tr("member.name"), exact=True)).to_be_focused()
    find(page, "Kimsenin Adı Değil")
    expect(page.locator("#find-result")).to_contain_text(tr("find.none"))
    find(page, "0599 000 00 00")  # not a Turkish number at all: the API's reason, next to the search field
    expect(page.locator("#find-query-error")).to_contain_text("telefon")
    expect(page.locator("#find-query")).to_have_attribute("aria-invalid", "true")
    find(page, "4111 1111 1111 1112")  # a card number with a wrong check digit
    expect(page.locator("#find-query-error")).to_contain_text("kontrol basamağı")

    coupon = page.locator("#coupon-result")
    page.get_by_label(tr("coupon.code"), exact=True).fill("zzzz-zzzz-zz")
    page.get_by_role("button", name=tr("coupon.redeem")).click()
    expect(coupon).to_contain_text(tr("coupon.422"))
    expect(coupon).to_contain_text("11")  # the API says how long a code is
    page.get_by_label(tr("coupon.code"), exact=True).fill("zzzz-zzzz-zzz")
    page.get_by_role("button", name=tr("coupon.redeem")).click()
    expect(coupon).to_contain_text(tr("coupon.404"))


@pytest.mark.both_databases
def test_coupons_show_on_the_member_and_redeem_exactly_once(page: Page, live_db: Session) -> None:
    member = make_member(live_db, "Şükrü Gündoğdu", "+905327770011")
    good = make_coupon(live_db, member, value="15", min_purchase="100")
    past = utcnow() - timedelta(days=30)
    old = make_coupon(
        live_db, member, run=make_campaign_run(live_db), valid_from=past, expires_at=past + timedelta(days=14)
    )
    good_code, old_code = format_code(good.code), format_code(old.code)
    live_db.commit()

    sign_in(page, "staff", next_path="/counter")
    find(page, "0532 777 00 11")
    coupons = page.locator("#coupon-choices")
    expect(coupons).to_contain_text(good_code)
    expect(coupons).not_to_contain_text(old_code)  # only coupons usable now

    result = page.locator("#coupon-result")
    page.get_by_label(tr("coupon.code"), exact=True).fill(good_code.lower().replace("-", " "))
    page.get_by_role("button", name=tr("coupon.check")).click()
    expect(result).to_contain_text(tr("coupon.valid"))
    expect(result).to_contain_text("Şükrü Gündoğdu")

    page.get_by_label(tr("coupon.amount")).fill("50")
    page.get_by_role("button", name=tr("coupon.redeem")).click()
    expect(result).to_contain_text(tr("coupon.422"))  # below the minimum purchase of 100
    page.get_by_label(tr("coupon.amount")).fill("200")
    page.get_by_role("button", name=tr("coupon.redeem")).click()
    expect(result).to_contain_text(tr("coupon.redeemed"))
    expect(result).to_contain_text("30,00")  # 15 % of 200
    expect(coupons).not_to_contain_text(good_code)

    page.get_by_role("button", name=tr("coupon.redeem")).click()
    expect(result).to_contain_text(tr("coupon.409"))
    expect(result).to_have_attribute("role", "alert")

    page.get_by_label(tr("coupon.code"), exact=True).fill(old_code)
    page.get_by_role("button", name=tr("coupon.redeem")).click()
    expect(result).to_contain_text(tr("coupon.410"))


def test_a_name_search_with_several_matches_lets_staff_choose(page: Page, live_db: Session) -> None:
    make_member(live_db, "ÇİĞDEMNUR Kaya", "+905351230001")
    make_member(live_db, "Çiğdemnur Demirtaş", "+905351230002")
    live_db.commit()
    sign_in(page, "staff", next_path="/counter")
    find(page, "çiğdemnur")  # Turkish case folding: çiğdemnur finds ÇİĞDEMNUR (a name of this test alone)
    choices = page.locator("#find-result")
    expect(choices).to_contain_text(tr("find.choose"))
    expect(choices.get_by_role("button")).to_have_count(2)
    choices.get_by_role("button", name="Çiğdemnur Demirtaş").click()
    expect(page.locator("#member-name")).to_have_text("Çiğdemnur Demirtaş")
    expect(page.locator("#member-phone")).to_have_text("0535 123 00 02")


def test_names_with_markup_are_shown_as_text(page: Page, live_db: Session) -> None:
    evil = '<img src=x onerror="window.pwned=1">Ali'
    make_member(live_db, evil, "+905351239999")
    live_db.commit()
    sign_in(page, "staff", next_path="/counter")
    find(page, "0535 123 99 99")
    expect(page.locator("#member-name")).to_have_text(evil)
    assert page.locator("#member-panel img").count() == 0
    assert page.evaluate("() => window.pwned") is None
