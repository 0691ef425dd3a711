"""Marketing's own words: a campaign's text per language and channel, with named placeholders.

Placeholders (Turkish names and their English twins, either works in either language):
``{ad}``/``{name}`` the member's first name, ``{kod}``/``{code}`` the coupon code,
``{indirim}``/``{discount}`` the discount ("%15 indirim" / "15% off"), ``{son_gun}``/``{last_day}`` the
coupon's last day, ``{gun}``/``{day}`` the holiday's or occasion's day, ``{kisi}``/``{person}`` whose
occasion ("kızınız Elif'in doğum günü"), ``{amac}``/``{purpose}`` the purpose in the member's words,
``{sayfa}``/``{page}`` the member's page link.
``{{`` and ``}}`` write a brace. The product adds what marketing cannot remove: the shop's name in front of
an SMS and its opt-out line after it; an e-mail's signature, page link and unsubscribe link.

Shape: ``{"tr": {"sms": "...", "email": "...", "subject": "..."}, "en": {...}}``; what is left out falls
back to the default template.
"""

from __future__ import annotations

import html
import string
from dataclasses import dataclass
from datetime import date
from typing import Any

from loyalty.core.errors import Invalid
from loyalty.core.languages import LANGUAGES, language_of
from loyalty.messaging.wording import occasion_phrase, short_day

COPY_LANGUAGES = LANGUAGES
COPY_PARTS = ("sms", "email", "subject")
MAX_LENGTH = {"sms": 1000, "email": 10_000, "subject": 200}
# placeholder -> the value it names
PLACEHOLDERS: dict[str, str] = {
    "ad": "name",
    "kod": "code",
    "indirim": "discount",
    "son_gun": "last_day",
    "gun": "day",
    "kisi": "person",
    "amac": "purpose",
    "sayfa": "page",
}
ENGLISH = {english: english for english in PLACEHOLDERS.values()}
ALL_PLACEHOLDERS = {**PLACEHOLDERS, **ENGLISH}
CODE_PLACEHOLDERS = ("kod", "code")
COPY_PURPOSE = "campaign_copy"  # a message written by marketing


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in ``text``; ValueError for a stray brace or a format spec."""
    names = []
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        if spec or conversion or not field.isidentifier():
            raise ValueError(field)
        names.append(field)
    return names


def check_copy(copy: dict[str, Any] | None, *, needs_code: bool = True, field: str = "message_copy") -> dict:
    """The copy, cleaned (empty parts dropped); Invalid (422) naming the field and the placeholder for an
    unknown placeholder, a stray brace, an unknown language or part, or a coupon text without ``{kod}``."""
    if not copy:
        return {}
    if not isinstance(copy, dict):
        raise Invalid(field, "messaging.object_per_language")
    clean: dict[str, dict[str, str]] = {}
    for lang, parts in copy.items():
        if lang not in COPY_LANGUAGES:
            raise Invalid(f"{field}.{lang}", "messaging.unknown_language_tr_en", lang=repr(lang))
        if not isinstance(parts, dict):
            raise Invalid(f"{field}.{lang}", "messaging.object_sms_email_subject")
        for part, text in parts.items():
            where = f"{field}.{lang}.{part}"
            if part not in COPY_PARTS:
                raise Invalid(where, "messaging.unknown_part_sms_email_subject", part=repr(part))
            if text is None or not str(text).strip():
                continue
            text = str(text).strip()
            if len(text) > MAX_LENGTH[part]:
                raise Invalid(where, "messaging.most_characters", max_length=MAX_LENGTH[part])
            try:
                names = placeholders_in(text)
            except ValueError as exc:
                raise Invalid(where, "messaging.brace_name_placeholder_write_brace", exc=exc) from None
            unknown = [name for name in names if name not in ALL_PLACEHOLDERS]
            if unknown:
                raise Invalid(
                    where,
                    "messaging.unknown_placeholder",
                    placeholder_name=f"{{{unknown[0]}}}",
                    known=", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                    extra={"placeholder": unknown[0]},
                )
            if needs_code and part != "subject" and not any(n in CODE_PLACEHOLDERS for n in names):
                raise Invalid(where, "messaging.coupon_campaign_s_text_needs", extra={"placeholder": "kod"})
            clean.setdefault(lang, {})[part] = text
    return clean


def copy_for(copy: dict[str, Any] | None, locale: str) -> dict[str, str]:
    """The parts written for ``locale`` (empty: use the templates)."""
    lang = language_of(locale)
    return dict((copy or {}).get(lang) or {})


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def placeholder_values(values: dict[str, Any], locale: str, offer: str) -> dict[str, str]:
    """What each placeholder says for one message's template values (``offer``: the discount phrase)."""
    day = _as_date(values.get("holiday_on") or values.get("occasion_on"))
    last = _as_date(values.get("expires_on"))
    person = ""
    if values.get("kind"):
        person = occasion_phrase(
            str(values["kind"]), str(values.get("for_whom") or "self"), values.get("relation_name"), locale
        )
    named = {
        "name": str(values.get("first_name", "")),
        "code": str(values.get("coupon_code", "")),
        "discount": offer,
        "last_day": short_day(last, locale) if last else "",
        "day": short_day(day, locale) if day else "",
        "person": person,
        "purpose": str(values.get("purpose") or ""),
        "page": str(values.get("member_page_url", "")),
    }
    return {placeholder: named[meaning] for placeholder, meaning in ALL_PLACEHOLDERS.items()}


def fill(text: str, filled: dict[str, str]) -> str:
    return text.format_map(filled)


@dataclass(frozen=True)
class CopyParts:
    subject: str
    text: str
    html: str


def render_copy(
    parts: dict[str, str], channel: str, values: dict[str, Any], filled: dict[str, str]
) -> CopyParts:
    """Marketing's text with its placeholders filled, and what the product adds around it."""
    shop, locale = str(values.get("shop_name", "")), str(values.get("locale", "tr"))
    english = locale.startswith("en")
    if channel == "sms":
        body = " ".join(fill(parts["sms"], filled).split())
        prefix = "" if body.startswith(shop) else f"{shop}: "
        return CopyParts("", f"{prefix}{body} {values.get('opt_out', '')}".strip(), "")
    body = fill(parts["email"], filled).strip()
    subject = " ".join(fill(parts.get("subject") or shop, filled).split())
    page, unsubscribe = values.get("member_page_url", ""), values.get("unsubscribe_url", "")
    if english:
        footer = f"Your page (your occasions and consents): {page}\nTo stop these e-mails: {unsubscribe}"
        links = ("Your page: your occasions and consents", "Unsubscribe from these e-mails")
    else:
        footer = (
            f"Sayfanız (günleriniz ve izinleriniz): {page}\n"
            f"Bu e-postaları almak istemiyorsanız: {unsubscribe}"
        )
        links = ("Sayfanız: günleriniz ve izinleriniz", "Bu e-postaları almak istemiyorum")
    text = f"{body}\n\n{shop}\n\n{footer}"
    paragraphs = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in body.split("\n\n") if p.strip()
    )
    markup = (
        f'<!doctype html>\n<html lang="{"en" if english else "tr"}"><body style="font-family: sans-serif; '
        f'line-height: 1.5">\n{paragraphs}\n<p>{html.escape(shop)}</p>\n'
        f'<p style="font-size: small; color: #666"><a href="{html.escape(str(page))}">{links[0]}</a> · '
        f'<a href="{html.escape(str(unsubscribe))}">{links[1]}</a></p>\n</body></html>'
    )
    return CopyParts(subject, text, markup)
