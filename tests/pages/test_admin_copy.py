"""The shop's default message words on /admin (issue 20), typed as an admin types them at 1366x768 and
390x844: the same placeholder checks, live preview and SMS parts as marketing's copy panel; a 422 marks the
field it names; what is saved is what /shop/message-copy stores; an empty text goes back to the built-in
one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from loyalty.accounts.shop import ROW_ID
from loyalty.models.shop import ShopSettings
from tests.pages.conftest import sign_in, tr
from tests.pages.flows import VIEWPORTS, serious_violations, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def clean_default_copy(live_db: Session) -> Iterator[None]:
    """Other page tests share this server: the shop's default words go back to none afterwards."""
    yield
    live_db.rollback()
    row = live_db.get(ShopSettings, ROW_ID)
    if row is not None:
        row.message_copy = None
        live_db.add(row)
        live_db.commit()


def _stored(live_db: Session) -> dict | None:  # type: ignore[type-arg]
    live_db.rollback()
    row = live_db.get(ShopSettings, ROW_ID)
    return None if row is None else row.message_copy


def _axe_clean(page: Page) -> None:
    found = serious_violations(page)
    assert found == [], found


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_an_admin_writes_the_default_words_with_their_preview(
    page: Page, live_db: Session, viewport: str, clean_default_copy: None
) -> None:
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page, "admin", next_path="/admin")
    panel = page.locator("#default-copy")
    text = panel.get_by_label(tr("copy.text"), exact=True)
    preview = page.locator("#dcopy-preview")
    save = panel.get_by_role("button", name=tr("admin.copy.save"))
    # nothing written yet: the built-in text goes, and the page says so
    expect(text).to_have_value("")
    expect(preview).to_have_text(tr("admin.copy.builtin"))

    # an unknown placeholder is named as it is typed, and the text field is marked
    text.press_sequentially("{ad}, {kupon}")
    expect(preview).to_contain_text("{kupon}")
    expect(text).to_have_attribute("aria-invalid", "true")
    shot(page, viewport, "admin-copy-unknown-placeholder")

    # the words as a member reads them, with parts and cost per route
    text.fill("")
    text.press_sequentially("{ad}, bayramınız kutlu olsun! {indirim} için kodunuz {kod}, son gün {son_gun}.")
    message = preview.locator("pre")
    expect(message).to_contain_text("Köşe Kahvecisi: Ayşe, bayramınız kutlu olsun! %15 indirim")
    expect(preview.locator("pre")).to_contain_text("SMS almamak için RET yazıp yanıtlayın.")
    expect(preview.locator("[data-route='turkish']")).to_contain_text(": 1 parça (GSM-7 TR)")
    expect(preview.locator("[data-route='international']")).to_contain_text("parça (UCS-2)")
    expect(text).not_to_have_attribute("aria-invalid", "true")
    _axe_clean(page)
    shot(page, viewport, "admin-copy-preview", of=panel)
    save.click()
    expect(page.locator("#dcopy-result")).to_have_text(tr("admin.copy.saved"))
    words = "{ad}, bayramınız kutlu olsun! {indirim} için kodunuz {kod}, son gün {son_gun}."
    assert _stored(live_db) == {"tr": {"sms": words}}

    # the e-mail of the same language is still the built-in one; its subject and text typed in turn
    panel.get_by_label(tr("copy.channel")).select_option("email")
    expect(text).to_have_value("")
    expect(preview).to_have_text(tr("admin.copy.builtin"))
    panel.get_by_label(tr("copy.subject")).press_sequentially("{ad}, bayram indirimi")
    text.press_sequentially("Merhaba {ad}, bayramınız kutlu olsun.")  # no {kod}: refused on save
    expect(preview).to_contain_text("{kod}")
    save.click()
    result = page.locator("#dcopy-result")
    expect(result).to_contain_text("{kod}")
    expect(result).not_to_contain_text("{{kod}}")  # the placeholder as the admin writes it
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(text).to_be_focused()
    _axe_clean(page)
    shot(page, viewport, "admin-copy-refused", of=panel)
    assert _stored(live_db) == {"tr": {"sms": words}}  # nothing changed
    text.press_sequentially(" Kodunuz: {kod}")
    expect(preview.locator(".detail").first).to_have_text("Ayşe, bayram indirimi")
    save.click()
    expect(result).to_have_text(tr("admin.copy.saved"))
    stored = _stored(live_db)
    assert stored is not None and stored["tr"]["sms"] == words
    assert stored["tr"]["email"] == "Merhaba {ad}, bayramınız kutlu olsun. Kodunuz: {kod}"
    assert stored["tr"]["subject"] == "{ad}, bayram indirimi"

    # back to SMS: the saved words come back; emptied and saved, the built-in text goes again
    panel.get_by_label(tr("copy.channel")).select_option("sms")
    expect(text).to_have_value(words)
    text.fill("")
    expect(preview).to_have_text(tr("admin.copy.builtin"))
    save.click()
    expect(result).to_have_text(tr("admin.copy.saved"))
    stored = _stored(live_db)
    assert stored is not None and "sms" not in stored["tr"] and stored["tr"]["email"]
