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
            raise Invalid("date", "occasions.date_yyyy_mm_dd_mm")
        field = "date"
    else:
        if data.month is None or data.day is None:
            raise Invalid("date", "occasions.date_required_month_day")
        year, month, day = data.year, data.month, data.day
        field = "day"
    if not 1 <= month <= 12:
        raise Invalid("date" if field == "date" else "month", "occasions.month_1_12", month=month)
    if year is not None and not 1900 <= year <= 2200:
        raise Invalid("date" if field == "date" else "year", "occasions.year_out_range", year=year)
    # a year-less date may be Feb 29 (celebrated Feb 28 in common years): check it against a leap year
    last = calendar.monthrange(year if year is not None else 2000, month)[1]
    if not 1 <= day <= last:
        raise Invalid(field, "common.real_date", month=month, day=day)
    return year, month, day


def validate_occasion(data: OccasionCreate) -> dict[str, Any]:
    """The checked column values of a new occasion (Invalid naming the field otherwise)."""
    try:
        kind = OccasionKind(data.kind)
    except ValueError:
        raise Invalid("kind", "occasions.kind_one", value=', '.join(k.value for k in OccasionKind)) from None
    purpose = " ".join((data.purpose or "").split())
    if not purpose:
        raise Invalid("purpose", "occasions.purpose_required_occasion_customer_s")
    if len(purpose) > PURPOSE_MAX:
        raise Invalid("purpose", "occasions.purpose_most_characters", purpose_max=PURPOSE_MAX)
    for_whom = (data.for_whom or "self").strip().lower()
    if for_whom not in RELATIONS:
        raise Invalid("for_whom", "occasions.whom_one", relations=', '.join(RELATIONS))
    relation_name = " ".join((data.relation_name or "").split()) or None
    if relation_name and len(relation_name) > 100:
        raise Invalid("relation_name", "occasions.relation_name_most_100_characters")
    if data.recurrence is None:
        if kind not in DEFAULT_RECURRENCE:
            raise Invalid("recurrence", "occasions.recurrence_yearly_once_required_custom")
        recurrence = DEFAULT_RECURRENCE[kind]
    else:
        try:
            recurrence = Recurrence(data.recurrence)
        except ValueError:
            raise Invalid("recurrence", "occasions.recurrence_yearly_once") from None
    if not 0 <= data.remind_days_before <= REMIND_MAX:
        raise Invalid("remind_days_before", "occasions.remind_days_before_0", remind_max=REMIND_MAX)
    year, month, day = _parse_date(data)
    if recurrence is Recurrence.once and year is None:
        raise Invalid("date", "occasions.one_off_once_occasion_needs")
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
