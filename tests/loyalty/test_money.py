"""The one money field: ``core.money.read_amount`` / ``parse_amount`` against the table the pages share."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from loyalty.core.errors import Invalid
from loyalty.core.money import parse_amount, read_amount

CASES = json.loads((Path(__file__).parents[1] / "money_cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['locale']}:{c['text']!r}" for c in CASES])
def test_reading_follows_the_shared_table(case: dict) -> None:
    reading = read_amount(case["text"], case["locale"])
    if "choices" in case:
        assert reading is not None and reading.value is None
        assert [str(c) for c in reading.choices] == case["choices"]
    elif case["value"] is None:
        assert reading is None
    else:
        assert reading is not None and str(reading.value) == case["value"]


def test_ambiguous_text_is_refused_naming_the_choices() -> None:
    with pytest.raises(Invalid) as caught:
        parse_amount("4,500", "amount", locale="tr")
    assert caught.value.field == "amount"
    assert caught.value.extra["choices"] == ["4.50", "4500.00"]
    assert parse_amount("4,50", "amount", locale="tr") == Decimal("4.50")


@pytest.mark.parametrize(
    ("value", "kwargs", "words"),
    [
        ("0", {}, "greater than 0"),
        (Decimal("-1"), {"minimum": Decimal(0)}, "0 or more"),
        (Decimal("1.234"), {}, "2 decimals"),
        (Decimal("10000000000"), {}, "at most"),
        ("abc", {}, "amount of money"),
        (Decimal("NaN"), {}, "amount of money"),
        (None, {}, "required"),
    ],
)
def test_bad_amounts_name_the_field(value: object, kwargs: dict, words: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_amount(value, "purchase_amount", **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == "purchase_amount"
    assert words in caught.value.message


def test_numbers_pass_as_they_are() -> None:
    assert parse_amount(Decimal("45.5"), "amount") == Decimal("45.50")
    assert parse_amount(45, "amount") == Decimal("45.00")
    assert parse_amount(Decimal(0), "x", minimum=Decimal(0)) == Decimal("0.00")
    assert parse_amount(None, "x", required=False) is None
