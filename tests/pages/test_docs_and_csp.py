"""In Chromium: /docs and /redoc render offline from packaged assets, and no page breaks its own CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, expect

from tests.pages.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser


def _watch(page: Page, live_server: LiveServer) -> tuple[list[str], list[str]]:
    """Requests to anywhere but this server, and console errors (a CSP violation is one)."""
    elsewhere: list[str] = []
    errors: list[str] = []

    def on_request(request: Request) -> None:
        if not request.url.startswith((live_server.url, "data:", "blob:")):
            elsewhere.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("request", on_request)
    page.on("console", on_console)
    return elsewhere, errors


def test_swagger_ui_renders_offline_and_can_sign_in(page: Page, live_server: LiveServer) -> None:
    elsewhere, errors = _watch(page, live_server)
    page.goto("/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/members").first).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    assert elsewhere == [] and errors == []


REDOC_BADGE = "https://cdn.redoc.ly/redoc/logo-mini.svg"  # hard-coded in ReDoc's "API docs by Redocly" link


def test_redoc_renders_offline(page: Page, live_server: LiveServer) -> None:
    elsewhere, errors = _watch(page, live_server)
    page.goto("/redoc")
    expect(page.get_by_text("/api/v1/members/{member_id}/purchases").first).to_be_attached()
    expect(page.get_by_role("heading", name="Köşe Kahvecisi — loyalty")).to_be_visible()
    # ReDoc always tries to show its vendor's logo; the CSP refuses it (img-src 'self' data:), nothing else
    assert set(elsewhere) <= {REDOC_BADGE}
    assert all(REDOC_BADGE in e and "Content Security Policy" in e for e in errors), errors


def test_the_pages_run_under_their_csp(page: Page, live_server: LiveServer) -> None:
    elsewhere, errors = _watch(page, live_server)
    sign_in(page, "admin")
    for path in ("/counter", "/marketing", "/outbox"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    expect(page.locator("#outbox-dir")).to_have_text(str(live_server.outbox_dir))  # signed in: shown
    assert elsewhere == [] and [e for e in errors if "Content Security Policy" in e] == []
