"""Signing in, role gates, the dev outbox page, labels and narrow screens, in headless Chromium."""

from __future__ import annotations

import json
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from loyalty.core.tokens import member_page_token
from tests.builders import make_member
from tests.pages.conftest import PASSWORD, USERS, LiveServer, sign_in, tr
from tests.pages.flows import serious_violations

pytestmark = pytest.mark.browser


def test_a_page_without_sign_in_sends_to_the_sign_in_form_and_back(page: Page) -> None:
    page.goto("/counter")
    gate = page.locator("#gate")
    expect(gate).to_contain_text(tr("login.need"))
    expect(page.locator(".needs-role")).to_be_hidden()
    page.get_by_role("link", name=tr("login.go")).click()
    page.get_by_label(tr("login.username")).fill(USERS["staff"])
    page.get_by_label(tr("login.password")).fill(PASSWORD)
    page.get_by_role("button", name=tr("login.submit")).click()
    page.wait_for_url("**/counter")
    expect(page.get_by_role("heading", name=tr("find.heading"))).to_be_visible()
    expect(page.locator("#who-role")).to_have_text(tr("role.staff"))


def test_an_expired_token_asks_to_sign_in_again(page: Page) -> None:
    sign_in(page, "staff")
    page.evaluate("() => sessionStorage.setItem('loyalty.token', 'expired.or.forged')")
    page.goto("/counter")
    expect(page.locator("#gate")).to_contain_text(tr("err.401"))
    expect(page.locator(".needs-role")).to_be_hidden()
    page.get_by_role("link", name=tr("login.go")).click()
    page.wait_for_url("**/?next=%2Fcounter")
    assert page.evaluate("() => sessionStorage.getItem('loyalty.token')") is None


def test_a_wrong_password_is_said_plainly(page: Page) -> None:
    page.goto("/")
    page.get_by_label(tr("login.username")).fill(USERS["staff"])
    page.get_by_label(tr("login.password")).fill("not-the-password")
    page.get_by_role("button", name=tr("login.submit")).click()
    expect(page.locator("#login-result")).to_contain_text(tr("login.failed"))
    expect(page.locator("#who")).to_be_hidden()


def test_sign_in_lands_on_the_role_page_and_the_menu_shows_only_its_pages(page: Page) -> None:
    sign_in(page, "marketing")
    page.wait_for_url("**/marketing")  # no empty sign-in form left behind: the role's own page
    menu = page.locator("header nav")
    expect(menu.locator("a[href='/marketing']")).to_be_visible()
    expect(menu.locator("a[href='/outbox']")).to_be_visible()
    expect(menu.locator("a[href='/counter']")).to_be_hidden()
    expect(menu.locator("a[href='/admin']")).to_be_hidden()
    page.goto("/")
    expect(page.locator(".page-links a[href='/marketing']")).to_be_visible()
    expect(page.locator(".page-links li[data-roles='staff,admin']")).to_be_hidden()

    sign_in(page, "admin")
    page.wait_for_url("**/admin")
    for href in ("/counter", "/marketing", "/outbox", "/admin"):
        expect(menu.locator(f"a[href='{href}']")).to_be_visible()


def test_the_wrong_role_sees_a_clear_message_not_the_page(page: Page) -> None:
    sign_in(page, "marketing")
    page.goto("/counter")
    expected = tr("role.wrong", roles=f"{tr('role.staff')}, {tr('role.admin')}", role=tr("role.marketing"))
    expect(page.locator("#gate")).to_have_text(expected + tr("login.your_pages"))
    expect(page.locator(".needs-role")).to_be_hidden()

    sign_in(page, "staff")
    page.goto("/marketing")
    expect(page.locator("#gate")).to_contain_text(tr("role.marketing"))
    expect(page.locator("#gate")).to_contain_text(tr("role.staff"))
    expect(page.locator(".needs-role")).to_be_hidden()


def test_the_page_language_follows_lang_then_cookie(page: Page) -> None:
    page.goto("/?lang=en")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/")  # the cookie remembers the choice
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto("/?lang=tr")
    expect(page.get_by_role("button", name=tr("login.submit"))).to_be_visible()


def test_the_outbox_lists_written_messages_marked_not_sent(page: Page, live_server: LiveServer) -> None:
    outbox = live_server.outbox_dir
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "00000001-sms.json").write_text(
        json.dumps({
            "to": "+905321234567",
            "body": "Kurban Bayramınız kutlu olsun!\nKod: ABCD-EFGH-JK\n1\n2\n3\n4\n5\n6\n"
            "Sayfanız: http://127.0.0.1:8000/m/abc.def. Son satır",
        }),
        encoding="utf-8",
    )
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = "shop@example.com", "ayse@example.com", "Kartınız hazır"
    email.set_content("Merhaba Ayşe,\nkartınız hazır.\n")
    email.add_alternative("<p>Merhaba Ayşe</p>", subtype="html")
    (outbox / "00000002-email.eml").write_bytes(bytes(email))
    sign_in(page, "marketing")
    page.goto("/outbox?lang=en")
    expect(page.get_by_role("note")).to_contain_text("NOT SENT — development outbox")
    rows = page.locator("#outbox-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="+905321234567")).to_contain_text("Kurban Bayramınız kutlu olsun!")
    expect(rows.filter(has_text="ayse@example.com")).to_contain_text("Kartınız hazır")
    expect(rows.filter(has_text="ayse@example.com")).to_contain_text("Merhaba Ayşe")
    sms = rows.filter(has_text="+905321234567")
    expect(sms).to_contain_text("Son satır")  # the whole text, not its first lines
    expect(sms.get_by_role("link", name="http://127.0.0.1:8000/m/abc.def")).to_have_attribute(
        "href", "http://127.0.0.1:8000/m/abc.def"
    )
    assert serious_violations(page) == []


def test_staff_may_not_read_the_outbox(page: Page) -> None:
    sign_in(page, "staff")
    page.goto("/outbox")
    expect(page.locator("#gate")).to_contain_text(tr("role.staff"))
    expect(page.locator("#outbox-table")).to_be_hidden()


UNLABELED_FIELDS = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter((e) => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
    .map((e) => e.id || e.name)"""
NAMELESS_BUTTONS = """() => [...document.querySelectorAll('button')]
    .filter((b) => !b.textContent.trim()).length"""


def test_every_field_has_a_label_and_a_narrow_screen_needs_no_sideways_scrolling(
    page: Page, live_server: LiveServer, live_db: Session
) -> None:
    member = make_member(live_db, "Hatice Nur Doğan", "+905331112299")
    live_db.commit()
    assert member.id is not None
    sign_in(page, "admin")
    page.set_viewport_size({"width": 360, "height": 740})
    member_page = f"/m/{member_page_token(live_server.settings.secret_key, member.id)}"
    for path, ready in (
        ("/", "#who"),
        ("/counter", "#find-form"),
        ("/marketing", "#cal-table"),
        ("/outbox", "#outbox-refresh"),
        (member_page, "#add-form"),
    ):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        assert page.evaluate(UNLABELED_FIELDS) == [], path
        assert page.evaluate(NAMELESS_BUTTONS) == 0, path
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0, path
