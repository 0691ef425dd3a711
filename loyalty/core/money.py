"""Money: amounts are ``Decimal`` with two places, stored as Numeric(12, 2); the currency is a setting."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")  # Numeric(12, 2)


def babel_locale(locale: str) -> str:
    return "tr_TR" if locale == "tr" else "en_US"


def format_money(value: Decimal | int | float | str, locale: str, currency: str) -> str:
    """₺150,00 (tr) / ₺150.00 (en): the currency's home symbol, not the code English CLDR has ("TRY")."""
    loc = Locale.parse(babel_locale(locale))
    pattern = loc.currency_formats["standard"].pattern
    home = {"TRY": "tr_TR"}.get(currency, babel_locale(locale))
    symbol = get_currency_symbol(currency, home)
    return format_currency(Decimal(str(value)), currency, locale=loc, format=pattern.replace("¤", symbol))
