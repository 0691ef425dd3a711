"""/docs (Swagger UI) and /redoc pass axe-core (no serious or critical violation) at 1366×768 and 390×844
(issue 22, point 7), through their configuration and a small stylesheet of ours (api/docs.py), with every
rule on: checked once the operations are listed, and again with one operation opened."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.pages.flows import VIEWPORTS, serious_violations, shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_swagger_ui_passes_axe(page: Page, viewport: str) -> None:
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto("/docs")
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/members").first
    expect(operation).to_be_visible()
    found = {"listed": serious_violations(page)}
    operation.click()
    expect(page.locator(".opblock.is-open .opblock-body").first).to_be_visible()
    found["opened"] = serious_violations(page)
    shot(page, viewport, "axe-docs", full_page=False)
    assert found == {"listed": [], "opened": []}, found


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_redoc_passes_axe(page: Page, viewport: str) -> None:
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto("/redoc")
    expect(page.get_by_role("heading", name="Köşe Kahvecisi — loyalty")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/v1/members/{member_id}/purchases").first).to_be_attached()
    found = serious_violations(page)
    shot(page, viewport, "axe-redoc")
    assert found == [], found
