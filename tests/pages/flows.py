"""Helpers for the page flow tests: the two viewports, a screenshot of each step, and axe-core checks."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"  # git-ignored; docs/counter.md names it
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
_axe = Axe()  # runs the axe.min.js the package ships: nothing is fetched


def shot(page: Page, viewport: str, name: str, *, full_page: bool = False, of: Locator | None = None) -> Path:
    """Save a screenshot of the current step as var/screenshots/<viewport>/<name>.png (``of``: only that
    part of the page)."""
    path = SCREENSHOTS / viewport / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if of is not None:
        of.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (id, impact, first targets)."""
    results = _axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in ("serious", "critical"):
            targets = [str(node.get("target")) for node in violation.get("nodes", [])[:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found
