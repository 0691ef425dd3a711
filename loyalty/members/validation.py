"""Checking what staff and members type: phones (phonenumbers, to E.164), e-mail addresses, names, time
zones, languages. Each error names its field."""

from __future__ import annotations

import phonenumbers
from babel import Locale, UnknownLocaleError
from email_validator import EmailNotValidError, validate_email

from loyalty.core.errors import Invalid
from loyalty.core.zones import is_known_zone
from loyalty.models.members import Channel

SUPPORTED_LOCALES = ("tr", "en")  # message templates exist for these (templates/messages/<locale>)


def normalize_phone(raw: str, region: str = "TR") -> str:
    """Any common written form -> E.164 (``0532 123 45 67`` -> ``+905321234567``); Invalid("phone")."""
    text = (raw or "").strip()
    if not text:
        raise Invalid("phone", "phone is required / telefon numarası gerekli")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Invalid("phone", f"{text!r} is not a valid phone number / geçerli bir telefon numarası değil")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str, region: str = "TR") -> str:
    """How people write the number: national form at home (``0532 123 45 67``), international abroad."""
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(number) == region
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def normalize_email(raw: str | None) -> str | None:
    """A syntactically valid address (no DNS lookups), normalized; None/blank -> None; Invalid("email")."""
    if raw is None or not raw.strip():
        return None
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise Invalid("email", f"{exc} / geçerli bir e-posta adresi değil") from None


def full_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise Invalid("full_name", "full name is required / ad soyad gerekli")
    if len(name) > 200:
        raise Invalid("full_name", "full name must have at most 200 characters / en çok 200 karakter")
    return name


def timezone_name(raw: str) -> str:
    if not is_known_zone(raw):
        raise Invalid("timezone", f"unknown time zone {raw!r} / bilinmeyen saat dilimi")
    return raw


def locale_code(raw: str) -> str:
    try:
        language = Locale.parse(raw.strip().replace("-", "_")).language
    except (ValueError, TypeError, UnknownLocaleError):
        language = None
    if language not in SUPPORTED_LOCALES:
        raise Invalid(
            "locale", f"locale must be one of {', '.join(SUPPORTED_LOCALES)} / dil tr veya en olmalı"
        )
    return language


def check_channel(preferred: Channel, email: str | None) -> None:
    if preferred == Channel.email and not email:
        raise Invalid(
            "preferred_channel",
            "e-mail as preferred channel needs an e-mail address / e-posta tercihi için adres gerekli",
        )
