"""Money: amounts are ``Decimal`` with two places, stored as Numeric(12, 2); the currency is a setting.

``parse_amount`` is the one reader of an amount the product accepts (purchases, coupons, offers, audience
filters); the pages' ``money.js`` applies the same rules, checked against one table of cases
(tests/money_cases.json)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol

from loyalty.core.errors import Invalid

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")  # Numeric(12, 2)
ZERO = Decimal(0)

# the marks each language writes: (decimal mark, thousands mark)
MARKS = {"tr": (",", "."), "en": (".", ",")}
_NOT_MONEY = "core.not_money"
_NOISE = re.compile(r"[\s\u00a0\u202f]|₺|TL|TRY", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """What a typed amount says: one ``value``, or (ambiguous) the ``choices`` a person may have meant."""

    value: Decimal | None = None
    choices: tuple[Decimal, ...] = ()


def read_amount(text: str, locale: str = "tr") -> Reading | None:
    """Read "45,50", "1.250,00", "₺45,50", "45 TL", "1,250.50" as the page's language writes them.

    One mark followed by 1-2 digits is the decimal mark; with both marks the last one is. Groups of exactly
    three digits are thousands. A lone mark followed by three digits is the thousands mark when it is the
    language's thousands mark ("4.500" in Turkish), and ambiguous when it is the language's decimal mark
    ("4,500" in Turkish: a slip for 4,50 or 4.500?): the reading then carries the choices instead of a value.
    None when the text is not an amount."""
    s = _NOISE.sub("", str(text or ""))
    if not re.fullmatch(r"\d[\d.,]*", s):
        return None
    decimal_mark = MARKS.get(locale, MARKS["tr"])[0]
    whole, fraction = s, ""
    last = max(s.rfind(","), s.rfind("."))
    if last >= 0:
        mark, after = s[last], s[last + 1 :]
        if re.fullmatch(r"\d{1,2}", after) and s.count(mark) == 1:
            whole, fraction = s[:last], after
        elif len(after) != 3:
            return None
    if re.search(r"[.,]", whole):
        groups = re.split(r"[.,]", whole)
        if len(set(re.sub(r"\d", "", whole))) > 1 or not 1 <= len(groups[0]) <= 3:
            return None
        if any(len(g) != 3 for g in groups[1:]):
            return None
    digits = re.sub(r"[.,]", "", whole)
    value = Decimal(f"{digits}.{fraction}" if fraction else digits).quantize(CENT)
    if not fraction and len(re.findall(r"[.,]", s)) == 1 and s[last] == decimal_mark:
        as_decimal = Decimal(s.replace(decimal_mark, "."))
        choices = [as_decimal.quantize(CENT)] if as_decimal == as_decimal.quantize(CENT) else []
        return Reading(choices=(*choices, value))
    return Reading(value=value)


def parse_amount(
    value: Decimal | int | str | None,
    field: str,
    *,
    locale: str = "tr",
    minimum: Decimal = CENT,
    required: bool = True,
) -> Decimal | None:
    """The one check of an amount of money: a number (or text read by ``read_amount`` in ``locale``) of at
    least ``minimum`` (a cent, or 0 where nothing is allowed), at most ``MAX_MONEY``, at most two decimals.

    Raises ``Invalid(field)`` naming what is wrong; an ambiguous text names its ``choices``. None in, None
    out unless ``required``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid(field, "core.required", field_name=field)
        return None
    if isinstance(value, str):
        reading = read_amount(value, locale)
        if reading is None:
            raise Invalid(field, _NOT_MONEY, field_name=field)
        if reading.value is None:
            shown = " | ".join(format_money(c, locale, "TRY").replace("₺", "") for c in reading.choices)
            raise Invalid(
                field,
                "core.ambiguous_did_you_mean",
                field_name=field,
                value=repr(value),
                shown=shown,
                extra={"choices": [str(c) for c in reading.choices]},
            )
        amount = reading.value
    else:
        try:
            amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
        except (InvalidOperation, ValueError):
            raise Invalid(field, _NOT_MONEY, field_name=field) from None
    if not amount.is_finite():
        raise Invalid(field, _NOT_MONEY, field_name=field)
    if amount < minimum:
        if minimum > ZERO:
            raise Invalid(field, "core.greater_than_0", field_name=field)
        raise Invalid(field, "core.0_more", field_name=field)
    if amount > MAX_MONEY:
        raise Invalid(field, "core.most", field_name=field, max_money=MAX_MONEY)
    if amount != amount.quantize(CENT):
        raise Invalid(field, "coupons.more_than_2_decimals", field_name=field)
    return amount.quantize(CENT)


def babel_locale(locale: str) -> str:
    return "tr_TR" if locale == "tr" else "en_US"


@lru_cache(maxsize=16)
def parsed_locale(locale: str) -> Locale:
    """Babel's Locale for our language code, parsed once per process (``Locale.parse`` is costly)."""
    return Locale.parse(babel_locale(locale))


@lru_cache(maxsize=64)
def _money_pattern(locale: str, currency: str) -> str:
    pattern = parsed_locale(locale).currency_formats["standard"].pattern
    home = {"TRY": "tr_TR"}.get(currency, babel_locale(locale))
    return str(pattern.replace("¤", get_currency_symbol(currency, home)))


def format_money(value: Decimal | int | float | str, locale: str, currency: str) -> str:
    """₺150,00 (tr) / ₺150.00 (en): the currency's home symbol, not the code English CLDR has ("TRY")."""
    return format_currency(
        Decimal(str(value)), currency, locale=parsed_locale(locale), format=_money_pattern(locale, currency)
    )
