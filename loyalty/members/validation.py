"""Checking what staff and members type: phones (phonenumbers, to E.164), e-mail addresses, names, time
zones, languages. Each error names its field."""

from __future__ import annotations

import phonenumbers
from babel import Locale, UnknownLocaleError
from email_validator import EmailNotValidError, validate_email

from loyalty.core.errors import Invalid
from loyalty.core.languages import LANGUAGES
from loyalty.core.zones import is_known_zone
from loyalty.models.members import Channel

SUPPORTED_LOCALES = LANGUAGES  # message templates exist for these (templates/messages/<locale>)


def normalize_phone(raw: str, region: str = "TR") -> str:
    """Any common written form -> E.164 (``0532 123 45 67`` -> ``+905321234567``); Invalid("phone")."""
    text = (raw or "").strip()
    if not text:
        raise Invalid("phone", "members.phone_required")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Invalid("phone", "members.phone_invalid", text=repr(text))
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
        raise Invalid("email", "members.email_invalid", exc=exc) from None


def full_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise Invalid("full_name", "members.full_name_required")
    if len(name) > 200:
        raise Invalid("full_name", "members.full_name_most_200_characters")
    return name


def timezone_name(raw: str) -> str:
    if not is_known_zone(raw):
        raise Invalid("timezone", "common.unknown_time_zone", raw=repr(raw))
    return raw


def locale_code(raw: str) -> str:
    try:
        language = Locale.parse(raw.strip().replace("-", "_")).language
    except (ValueError, TypeError, UnknownLocaleError):
        language = None
    if language not in SUPPORTED_LOCALES:
        raise Invalid("locale", "members.locale_one", supported_locales=', '.join(SUPPORTED_LOCALES))
    return language


def check_channel(preferred: Channel, email: str | None) -> None:
    if preferred == Channel.email and not email:
        raise Invalid("preferred_channel", "members.mail_preferred_channel_needs_mail")
