"""Commercial days that are not public holidays, as recurrence rules (``dateutil.rrule``): Anneler Günü is
the second Sunday of May, and so on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dateutil.rrule import SU, YEARLY, rrule, weekday

from loyalty.holidays.schemas import HolidayInfo
from loyalty.models.holidays import HolidayKind


@dataclass(frozen=True)
class Rule:
    key: str
    name_tr: str
    name_en: str
    month: int
    monthday: int | None = None
    nth_weekday: weekday | None = None


COMMERCIAL_DAYS: dict[str, tuple[Rule, ...]] = {
    "TR": (
        Rule("sevgililer_gunu", "Sevgililer Günü", "Valentine's Day", 2, monthday=14),
        Rule("kadinlar_gunu", "Dünya Kadınlar Günü", "International Women's Day", 3, monthday=8),
        Rule("anneler_gunu", "Anneler Günü", "Mother's Day", 5, nth_weekday=SU(+2)),
        Rule("babalar_gunu", "Babalar Günü", "Father's Day", 6, nth_weekday=SU(+3)),
        Rule("ogretmenler_gunu", "Öğretmenler Günü", "Teachers' Day", 11, monthday=24),
    )
}


COMMERCIAL_KEYS = frozenset(rule.key for rules in COMMERCIAL_DAYS.values() for rule in rules)


def _rule_date(rule: Rule, year: int) -> date:
    kwargs: dict[str, Any] = {"bymonth": rule.month}
    if rule.nth_weekday is not None:
        kwargs["byweekday"] = rule.nth_weekday
    else:
        kwargs["bymonthday"] = rule.monthday
    found = rrule(YEARLY, dtstart=datetime(year, 1, 1), count=1, **kwargs)[0]
    return found.date()


def commercial_days(year: int, country: str, lang: str) -> list[HolidayInfo]:
    return [
        HolidayInfo(
            key=rule.key,
            name=rule.name_en if lang == "en" else rule.name_tr,
            date=_rule_date(rule, year),
            days=1,
            kind=HolidayKind.commercial,
        )
        for rule in COMMERCIAL_DAYS.get(country, ())
    ]
