"""Every page of the product passes axe-core (no serious or critical violation) at 1366×768 and 390×844
(issue 22, point 7). Each page is checked once it shows what its user works with. /docs and /redoc have
their own test (test_axe_docs.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from loyalty.core.tokens import member_page_token, unsubscribe_token
from tests.builders import make_member
from tests.pages.conftest import LiveServer, sign_in
from tests.pages.flows import VIEWPORTS, serious_violations, shot

pytestmark = pytest.mark.browser

# path (or a key for a page that needs a token) -> what shows when the page is ready
PAGES = {
    "/": "#login-form",
    "/counter": "#find-form",
    "/marketing": "#cal-table tbody tr",
    "/outbox": "#outbox-refresh",
    "/admin": "#setup-form",
    "member": "#add-form",
    "unsubscribe": "main h1",
}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_passes_axe(page: Page, live_server: LiveServer, live_db: Session, viewport: str) -> None:
    member = make_member(live_db, f"Erişilebilir Üye {viewport}", f"+9053388800{len(viewport)}")
    live_db.commit()
    assert member.id is not None
    secret = live_server.settings.secret_key
    paths = {
        "member": f"/m/{member_page_token(secret, member.id)}",
        "unsubscribe": f"/u/{unsubscribe_token(secret, member.id, 'sms')}",
    }
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page, "admin")
    found: dict[str, list[str]] = {}
    for key, ready in PAGES.items():
        page.goto(paths.get(key, key))
        expect(page.locator(ready).first).to_be_visible(timeout=30_000)  # ReDoc renders a large spec
        violations = serious_violations(page)
        if violations:
            found[key] = violations
            shot(page, viewport, f"axe-{key.strip('/') or 'home'}")
    assert found == {}, found

