"""Rendering of outbound messages from templates/messages/<locale>/<purpose>.<part>.

Parts: ``sms.txt`` (SMS body), ``subject.txt``, ``email.txt`` and ``email.html`` (autoescaped). Templates get
primitive values only; missing values are errors (``StrictUndefined``), so a typo never sends "{{ }}"-holes.
Filters format with Babel in the message's locale: ``date`` (9 Mayıs 2027 / May 9, 2027), ``money``
(₺150,00), ``percent`` (%15 / 15%) and ``offer`` (the discount of an offer as one phrase).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import jinja2
from babel.dates import format_date
from babel.numbers import format_percent

from loyalty.core.errors import Invalid
from loyalty.core.money import format_money, parsed_locale
from loyalty.core.settings import TEMPLATES_DIR, Settings
from loyalty.messaging.sms_encoding import fold_to_gsm7

MESSAGES_DIR = TEMPLATES_DIR / "messages"


LOCALES = ("tr", "en")


DEFAULT_LOCALE = "tr"


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def format_day(value: date | datetime | str, locale: str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, format="long", locale=parsed_locale(locale))


def format_percentage(value: Decimal | int | float | str, locale: str) -> str:
    """``15`` -> "%15" (tr) / "15%" (en), ``12.5`` -> "%12,5": the value is in percent, not a fraction."""
    loc = parsed_locale(locale)
    pattern = loc.percent_formats[None].pattern.replace("#,##0", "#,##0.##")
    return format_percent(Decimal(str(value)) / 100, locale=loc, format=pattern)


def offer_phrase(kind: str, value: Decimal | int | float | str, locale: str, currency: str) -> str:
    """The discount as a phrase: "%15 indirim" / "15% off", "₺50,00 indirim" / "₺50.00 off"."""
    amount = format_percentage(value, locale) if kind == "percent" else format_money(value, locale, currency)
    return f"{amount} indirim" if locale == "tr" else f"{amount} off"


@jinja2.pass_context
def _date_filter(ctx: jinja2.runtime.Context, value: Any) -> str:
    return format_day(value, ctx.get("locale", DEFAULT_LOCALE))


@jinja2.pass_context
def _money_filter(ctx: jinja2.runtime.Context, value: Any) -> str:
    return format_money(value, ctx.get("locale", DEFAULT_LOCALE), ctx["currency"])


@jinja2.pass_context
def _percent_filter(ctx: jinja2.runtime.Context, value: Any) -> str:
    return format_percentage(value, ctx.get("locale", DEFAULT_LOCALE))


@jinja2.pass_context
def _offer_filter(ctx: jinja2.runtime.Context, kind: str, value: Any) -> str:
    return offer_phrase(kind, value, ctx.get("locale", DEFAULT_LOCALE), ctx["currency"])


@lru_cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(MESSAGES_DIR),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )
    env.filters.update(date=_date_filter, money=_money_filter, percent=_percent_filter, offer=_offer_filter)
    return env


def _check_primitive(key: str, value: Any) -> None:
    if value is None or isinstance(value, str | int | float | bool | Decimal | date):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_primitive(key, item)
        return
    raise Invalid("values", f"template value {key!r} must be a primitive, not {type(value).__name__}")


def has_template(purpose: str, locale: str, part: str) -> bool:
    return (MESSAGES_DIR / locale / f"{purpose}.{part}").is_file()


def shop_values(settings: Settings, locale: str) -> dict[str, Any]:
    """What every message says about the shop: its name, its currency and the SMS opt-out line."""
    return {
        "shop_name": settings.shop_name,
        "currency": settings.currency,
        "opt_out": settings.sms_opt_out_en if locale.startswith("en") else settings.sms_opt_out_tr,
    }


def render_message(
    purpose: str, locale: str, channel: str, values: dict[str, Any], *, gsm7_only: bool = False
) -> RenderedMessage:
    """Render ``purpose`` for ``channel`` (sms or email) in ``locale`` (falls back to Turkish).

    Templates are written with full Turkish letters; ``gsm7_only`` (the shop's LOYALTY_SMS_GSM7_ONLY) folds
    the finished SMS to GSM-7 here, the one place every SMS passes through (the run and the preview)."""
    locale = locale if locale in LOCALES and (MESSAGES_DIR / locale).is_dir() else DEFAULT_LOCALE
    for key, value in values.items():
        _check_primitive(key, value)
    context = {"locale": locale, **values}  # values carry the shop's "currency"
    env = environment()

    def part(name: str) -> str:
        if not has_template(purpose, locale, name):
            if name in ("sms.txt", "email.txt"):
                raise Invalid("template", f"no {name} template for {purpose!r} in {locale!r}")
            return ""
        return env.get_template(f"{locale}/{purpose}.{name}").render(context).strip()

    if channel == "sms":
        text = part("sms.txt")
        return RenderedMessage("", fold_to_gsm7(text) if gsm7_only else text, "")
    if channel != "email":
        raise Invalid("channel", f"unknown channel {channel!r}")
    subject = " ".join(part("subject.txt").split())
    return RenderedMessage(subject, part("email.txt"), part("email.html"))
