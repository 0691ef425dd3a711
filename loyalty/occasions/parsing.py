"""Reading an occasion as stated: its kind, for whom, the purpose in the customer's words, the date (with or
without a year) and whether it recurs. Each error names its field."""

from __future__ import annotations

import calendar
import re
from typing import Any

from loyalty.core.errors import Invalid
from loyalty.models.occasions import PURPOSE_MAX, OccasionKind, Recurrence
from loyalty.occasions.recurrence import Dated
from loyalty.occasions.schemas import OccasionCreate
from loyalty.occasions.vocabulary import DEFAULT_RECURRENCE, RELATIONS, REMIND_MAX

_DATE_FULL = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


_DATE_NO_YEAR = re.compile(r"^(?:--)?(\d{1,2})-(\d{1,2})$")


def _parse_date(data: OccasionCreate) -> tuple[int | None, int, int]:
    if data.date is not None:
        text = data.date.strip()
        if full := _DATE_FULL.match(text):
            year, month, day = (int(g) for g in full.groups())
        elif no_year := _DATE_NO_YEAR.match(text):
            year = None
            month, day = (int(g) for g in no_year.groups())
        else:
            raise Invalid(
                "date", "date must be YYYY-MM-DD, or MM-DD when the year is unknown / tarih YYYY-AA-GG olmalı"
            )
        field = "date"
    else:
        if data.month is None or data.day is None:
            raise Invalid("date", "date is required (or month and day) / tarih gerekli")
        year, month, day = data.year, data.month, data.day
        field = "day"
    if not 1 <= month <= 12:
        raise Invalid("date" if field == "date" else "month", f"month {month} is not 1-12 / geçersiz ay")
    if year is not None and not 1900 <= year <= 2200:
        raise Invalid("date" if field == "date" else "year", f"year {year} is out of range / geçersiz yıl")
    # a year-less date may be Feb 29 (celebrated Feb 28 in common years): check it against a leap year
    last = calendar.monthrange(year if year is not None else 2000, month)[1]
    if not 1 <= day <= last:
        raise Invalid(field, f"{month:02d}-{day:02d} is not a real date / geçersiz tarih")
    return year, month, day


def validate_occasion(data: OccasionCreate) -> dict[str, Any]:
    """The checked column values of a new occasion (Invalid naming the field otherwise)."""
    try:
        kind = OccasionKind(data.kind)
    except ValueError:
        raise Invalid(
            "kind", f"kind must be one of {', '.join(k.value for k in OccasionKind)} / geçersiz tür"
        ) from None
    purpose = " ".join((data.purpose or "").split())
    if not purpose:
        raise Invalid("purpose", "purpose is required: the occasion in the customer's words / amaç gerekli")
    if len(purpose) > PURPOSE_MAX:
        raise Invalid(
            "purpose", f"purpose must be at most {PURPOSE_MAX} characters / amaç en fazla 280 karakter"
        )
    for_whom = (data.for_whom or "self").strip().lower()
    if for_whom not in RELATIONS:
        raise Invalid("for_whom", f"for_whom must be one of {', '.join(RELATIONS)} / geçersiz kişi")
    relation_name = " ".join((data.relation_name or "").split()) or None
    if relation_name and len(relation_name) > 100:
        raise Invalid("relation_name", "relation_name must be at most 100 characters")
    if data.recurrence is None:
        if kind not in DEFAULT_RECURRENCE:
            raise Invalid("recurrence", "recurrence (yearly or once) is required for a custom occasion")
        recurrence = DEFAULT_RECURRENCE[kind]
    else:
        try:
            recurrence = Recurrence(data.recurrence)
        except ValueError:
            raise Invalid("recurrence", "recurrence must be yearly or once / yıllık ya da bir kez") from None
    if not 0 <= data.remind_days_before <= REMIND_MAX:
        raise Invalid("remind_days_before", f"remind_days_before must be 0-{REMIND_MAX}")
    year, month, day = _parse_date(data)
    if recurrence is Recurrence.once and year is None:
        raise Invalid("date", "a one-off (once) occasion needs a full date with its year / yıl gerekli")
    return {
        "kind": kind.value,
        "purpose": purpose,
        "for_whom": for_whom,
        "relation_name": relation_name,
        "recurrence": recurrence.value,
        "remind_days_before": data.remind_days_before,
        "year": year,
        "month": month,
        "day": day,
    }


def date_text(occasion: Dated) -> str:
    if occasion.year is None:
        return f"--{occasion.month:02d}-{occasion.day:02d}"
    return f"{occasion.year:04d}-{occasion.month:02d}-{occasion.day:02d}"
