"""Money: amounts are ``Decimal`` with two places, stored as Numeric(12, 2); the currency is a setting."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")  # Numeric(12, 2)


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
