"""Cells of every CSV the product writes, safe to open in a spreadsheet (CSV/formula injection).

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula (or turns
into one) in Excel, LibreOffice and Google Sheets: it gets a leading ``'``, which they show as text. A
plain number or phone number (``-12.50``, ``+905321234567``) cannot be a formula and is left alone, so
the İYS export keeps its numbers as İYS reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9 .,]*")


def safe_cell(value: Any) -> Any:
    if not isinstance(value, str) or not value.startswith(TRIGGERS) or PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]
