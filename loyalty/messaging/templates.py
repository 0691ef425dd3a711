"""Rendering of outbound messages from templates/messages/<locale>/<purpose>.<part>.

Parts: ``sms.txt`` (SMS body), ``subject.txt``, ``email.txt`` and ``email.html`` (autoescaped). Templates get
primitive values only; missing values are errors (``StrictUndefined``), so a typo never sends "{{ }}"-holes.
Filters format with Babel in the message's locale: ``date`` (9 Mayıs 2027 / May 9, 2027), ``day`` (9 Mayıs /
May 9, for SMS), ``money``
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
from loyalty.core.grammar_tr import upper_first_tr
from loyalty.core.languages import DEFAULT_LANGUAGE, LANGUAGES
from loyalty.core.money import format_money, parsed_locale
from loyalty.core.settings import TEMPLATES_DIR, Settings
from loyalty.messaging.copy import COPY_PARTS, placeholder_values, render_copy
from loyalty.messaging.sms_encoding import fold_to_gsm7
from loyalty.messaging.wording import occasion_words, short_day

MESSAGES_DIR = TEMPLATES_DIR / "messages"


LOCALES = LANGUAGES  # templates/messages/<locale>


DEFAULT_LOCALE = DEFAULT_LANGUAGE


# values a template may test without every producer passing them
OPTIONAL_VALUES: dict[str, Any] = {
    "purpose": "",
    "holiday_name": "",
    "holiday_greeting": "",
    "on_the_day": False,
}


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
    return _percentage(str(value), locale)


@lru_cache(maxsize=1024)
def _percentage(value: str, locale: str) -> str:
    """Babel's pattern lookup and formatting, once per value and locale (every coupon of a campaign
    carries the same offer)."""
    loc = parsed_locale(locale)
    pattern = loc.percent_formats[None].pattern.replace("#,##0", "#,##0.##")
    return format_percent(Decimal(value) / 100, locale=loc, format=pattern)


def offer_phrase(kind: str, value: Decimal | int | float | str, locale: str, currency: str) -> str:
    """The discount as a phrase: "%15 indirim" / "15% off", "₺50,00 indirim" / "₺50.00 off"."""
    amount = format_percentage(value, locale) if kind == "percent" else format_money(value, locale, currency)
    return f"{amount} indirim" if locale == "tr" else f"{amount} off"


@jinja2.pass_context
def _date_filter(ctx: jinja2.runtime.Context, value: Any) -> str:
    return format_day(value, ctx.get("locale", DEFAULT_LOCALE))


@jinja2.pass_context
def _day_filter(ctx: jinja2.runtime.Context, value: Any) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return short_day(value, ctx.get("locale", DEFAULT_LOCALE))


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
    env.filters.update(
        capitalize_first=upper_first_tr,
        day=_day_filter,
        date=_date_filter,
        money=_money_filter,
        percent=_percent_filter,
        offer=_offer_filter,
    )
    return env


def _check_primitive(key: str, value: Any) -> None:
    if value is None or isinstance(value, str | int | float | bool | Decimal | date):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_primitive(key, item)
        return
    raise Invalid(
        "values",
        "messaging.template_value_primitive",
        key_name=repr(key),
        type_name=type(value).__name__,
    )


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
    # optional facts default to "not there"; the occasion is worded here (wording.py), once for every path
    context = {"locale": locale, **OPTIONAL_VALUES, **values}  # values carry the shop's "currency"
    context |= occasion_words(context, locale, purpose)
    env = environment()

    def part(name: str) -> str:
        if not has_template(purpose, locale, name):
            if name in ("sms.txt", "email.txt"):
                raise Invalid(
                    "template",
                    "messaging.template_missing",
                    name=name,
                    purpose=repr(purpose),
                    locale=repr(locale),
                )
            return ""
        return env.get_template(f"{locale}/{purpose}.{name}").render(context).strip()

    if channel not in ("sms", "email"):
        raise Invalid("channel", "messaging.unknown_channel", channel=repr(channel))
    written = {name: str(context[f"copy_{name}"]) for name in COPY_PARTS if context.get(f"copy_{name}")}
    if channel in written:  # marketing's own words, the product's additions around them
        offer = ""
        if context.get("offer_kind"):
            offer = offer_phrase(context["offer_kind"], context["offer_value"], locale, context["currency"])
        copied = render_copy(written, channel, context, placeholder_values(context, locale, offer))
        if channel == "sms":
            return RenderedMessage("", fold_to_gsm7(copied.text) if gsm7_only else copied.text, "")
        return RenderedMessage(copied.subject, copied.text, copied.html)
    if channel == "sms":
        text = part("sms.txt")
        return RenderedMessage("", fold_to_gsm7(text) if gsm7_only else text, "")
    subject = " ".join(part("subject.txt").split())
    return RenderedMessage(subject, part("email.txt"), part("email.html"))
