"""The first admin created in the browser on an empty database, at 1366×768 and 390×844: the sign-in page
offers the form only while no user exists; after it, the admin lands on the shop's settings and the form
never comes back (a second browser that still shows it is refused with a plain message)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session, select

from api.main import create_app
from loyalty.core.db import make_engine
from loyalty.core.migrate import upgrade
from loyalty.core.settings import Settings
from loyalty.models.users import Role, User
from tests.live_server import serve
from tests.pages.conftest import PAGE_TIMEOUT, tr
from tests.pages.flows import VIEWPORTS, serious_violations, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def empty_shop(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A fresh install: the schema and no user at all; yields (base URL, database URL)."""
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    upgrade(url)
    settings = Settings(
        env="test",
        database_url=url,
        secret_key="first-admin-test-secret-0123456789abcdef",
        outbox_dir=tmp_path / "outbox",
        locale="tr",
    )
    with serve(create_app(settings)) as base:
        yield base, url


def _context(browser: Browser, base: str, viewport: str) -> BrowserContext:
    context = browser.new_context(base_url=base, locale="tr-TR", viewport=VIEWPORTS[viewport])  # type: ignore[arg-type]
    context.set_default_timeout(PAGE_TIMEOUT)
    return context


def _watch(page: Page, errors: list[str]) -> Page:
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_first_admin_is_created_once_in_the_browser(
    browser: Browser, empty_shop: tuple[str, str], viewport: str
) -> None:
    base, url = empty_shop
    first, late = _context(browser, base, viewport), _context(browser, base, viewport)
    errors: list[str] = []
    page, other = _watch(first.new_page(), errors), _watch(late.new_page(), errors)
    try:
        page.goto("/")
        other.goto("/")  # a second browser opened while the database is still empty
        for p in (page, other):
            expect(p.get_by_role("heading", name=tr("first_admin.heading"))).to_be_visible()
            expect(p.locator("#login-section")).to_be_hidden()
        assert serious_violations(page) == []
        shot(page, viewport, "first-admin-form")

        form = page.locator("#first-admin-form")
        form.get_by_label(tr("login.username")).fill("patron")
        form.get_by_label(tr("first_admin.full_name")).fill("Ayşe Kaya")
        form.get_by_label(tr("login.password")).fill("kısa")
        form.get_by_role("button", name=tr("first_admin.submit")).click()
        expect(
            form.locator(".field-error, [aria-invalid='true']").first
        ).to_be_visible()  # the password named
        form.get_by_label(tr("login.password")).fill("ilk-yonetici-parolasi")
        form.get_by_role("button", name=tr("first_admin.submit")).click()
        page.wait_for_url("**/admin#setup")
        expect(page.locator("#who-name")).to_have_text("Ayşe Kaya")
        expect(page.locator("#setup-form")).to_be_visible()
        shot(page, viewport, "first-admin-done")

        late_form = other.locator("#first-admin-form")  # the stale form: refused, sign-in offered
        late_form.get_by_label(tr("login.username")).fill("ikinci")
        late_form.get_by_label(tr("login.password")).fill("ikinci-parola-1")
        late_form.get_by_role("button", name=tr("first_admin.submit")).click()
        expect(other.locator("#first-admin-result")).to_contain_text(tr("first_admin.taken"))
        expect(other.locator("#login-section")).to_be_visible()
        expect(late_form).to_have_count(0)
        shot(other, viewport, "first-admin-refused")

        fresh = _watch(late.new_page(), errors)  # from now on the sign-in page never offers the form
        with fresh.expect_response("**/api/v1/setup/first-admin") as answer:
            fresh.goto("/")
        assert answer.value.json() == {"open": False}
        expect(fresh.locator("#login-form")).to_be_visible()
        expect(fresh.locator("#first-admin-section")).to_have_count(0)
    finally:
        first.close()
        late.close()
    assert errors == []
    engine = make_engine(url)
    with Session(engine) as session:
        users = session.exec(select(User)).all()
    engine.dispose()
    assert [(u.username, u.role) for u in users] == [("patron", Role.admin)]
