"""Card numbers: 16 digits, 15 random (``secrets``) and a Luhn check digit (python-stdnum), so a mistyped
number is caught as a check-digit error before any lookup."""

from __future__ import annotations

import secrets

from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, ValidationError

from loyalty.core.errors import Invalid
from loyalty.models.cards import CARD_NUMBER_LENGTH


def new_card_number() -> str:
    """A fresh 16-digit number: 15 random digits (first one not 0) and the Luhn check digit."""
    body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(14))
    return body + luhn.calc_check_digit(body)


def format_card_number(number: str) -> str:
    """Group digits by four for people: ``1234 5678 9012 3456``."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def parse_card_number(raw: str) -> str:
    """Typed or scanned text -> the 16 digits; Invalid("number", ...) says what is wrong with it."""
    number = "".join(str(raw).split()).replace("-", "")
    if not number.isascii() or not number.isdigit():
        raise Invalid("number", "cards.card_number_contain_digits")
    if len(number) != CARD_NUMBER_LENGTH:
        raise Invalid(
            "number",
            "cards.card_number_digits_got",
            card_number_length=CARD_NUMBER_LENGTH,
            number_length=len(number),
        )
    try:
        luhn.validate(number)
    except InvalidChecksum:
        raise Invalid("number", "cards.card_number_check_digit_wrong") from None
    except ValidationError:  # pragma: no cover - digits of the right length only fail the checksum
        raise Invalid("number", "cards.card_number_invalid") from None
    return number
