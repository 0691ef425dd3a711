"""The language choice, the page shells and GET /api/v1/outbox, through the ASGI app (no browser)."""

from __future__ import annotations

import json
import os
from email.message import EmailMessage
from pathlib import Path
from string import Formatter

import pytest
from fastapi.testclient import TestClient

from loyalty.core.i18n import catalog, choose_language, gettext
from loyalty.core.settings import Settings


@pytest.mark.parametrize(
    ("query", "cookie", "header", "default", "expected"),
    [
        ("en", "tr", "tr-TR", "tr", "en"),  # ?lang= wins
        (None, "en", "tr-TR,tr;q=0.9", "tr", "en"),  # then the cookie
        ("xx", "EN", None, "tr", "en"),  # an unknown ?lang= is ignored
        (None, None, "de-DE,de;q=0.9,en-GB;q=0.8,tr;q=0.5", "tr", "en"),  # Accept-Language order
        (None, None, "en;q=0.2, tr-TR;q=0.7", "en", "tr"),  # q-values, not position
        (None, None, "de, fr;q=0.5", "en", "en"),  # nothing supported: the shop default
        (None, None, "en;q=0", "tr", "tr"),  # q=0 means "not this one"
        (None, None, None, "en", "en"),
    ],
)
def test_the_language_is_chosen_in_order(
    query: str | None, cookie: str | None, header: str | None, default: str, expected: str
) -> None:
    assert choose_language(query, cookie, header, default) == expected


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_every_ui_text_has_both_languages_and_placeholders_match() -> None:
    for key in catalog("tr"):
        tr_text, en_text = gettext(key, "tr"), gettext(key, "en")
        assert tr_text and en_text, key
        if key.startswith("copy."):  # marketing's placeholders are words of each language ({ad} / {name})
            continue
        assert _fields(tr_text) == _fields(en_text), key
    assert gettext("no.such.key", "en") == "no.such.key"


def test_pages_render_in_the_chosen_language_and_remember_it(client: TestClient) -> None:
    english = client.get("/counter", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.status_code == 200
    assert '<html lang="en">' in english.text and "Register a new member" in english.text
    turkish = client.get("/counter?lang=tr")
    assert "Yeni üye kaydı" in turkish.text
    assert turkish.cookies.get("lang") == "tr"
    assert "Yeni üye kaydı" in client.get("/counter", headers={"Accept-Language": "en"}).text  # the cookie
    assert client.get("/static/pages/app.js").status_code == 200


def test_the_outbox_listing_needs_marketing_or_admin(
    client: TestClient, staff: dict[str, str], marketing: dict[str, str], admin: dict[str, str]
) -> None:
    assert client.get("/api/v1/outbox").status_code == 401
    assert client.get("/api/v1/outbox", headers=staff).status_code == 403
    assert client.get("/api/v1/outbox", headers=marketing).status_code == 200
    assert client.get("/api/v1/outbox", headers=admin).status_code == 200


def test_the_outbox_listing_reads_sms_and_email_files_newest_first(
    client: TestClient, marketing: dict[str, str], settings: Settings
) -> None:
    outbox = Path(settings.outbox_dir)
    outbox.mkdir(parents=True)
    sms = outbox / "00000007-sms.json"
    sms.write_text(json.dumps({"to": "+905321234567", "body": "1\n\n2\n3\n4\n5\n6"}), encoding="utf-8")
    email = EmailMessage()
    email["To"], email["Subject"] = "elif@example.com", "Doğum gününüz kutlu olsun"
    email.set_content("Sevgili Elif,\nkuponunuz: ABCD-EFGH-JK\n")
    email.add_alternative("<p>Sevgili Elif</p>", subtype="html")
    eml = outbox / "00000008-email.eml"
    eml.write_bytes(bytes(email))
    (outbox / "00000009-sms.json.tmp").write_text("{half", encoding="utf-8")  # a file being written
    (outbox / "broken-sms.json").write_text("{not json", encoding="utf-8")
    os.utime(sms, (1_700_000_000, 1_700_000_000))
    os.utime(eml, (1_700_000_100, 1_700_000_100))

    body = client.get("/api/v1/outbox", headers=marketing).json()
    assert body["notice"].startswith("NOT SENT")
    assert body["total"] == 2
    first, second = body["entries"]
    assert (first["file"], first["channel"], first["to"]) == (eml.name, "email", "elif@example.com")
    assert first["subject"] == "Doğum gününüz kutlu olsun"
    assert first["preview"] == "Sevgili Elif,\nkuponunuz: ABCD-EFGH-JK"
    assert (second["channel"], second["to"]) == ("sms", "+905321234567")
    assert second["preview"] == "1\n2\n3\n4"  # the first lines, blank ones skipped
    assert client.get("/api/v1/outbox?limit=1", headers=marketing).json()["entries"][0]["file"] == eml.name
