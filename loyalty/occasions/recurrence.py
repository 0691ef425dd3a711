"""When an occasion comes next. A ``yearly`` one comes back every year (Feb 29 on Feb 28 in common years;
``dateutil.rrule`` alone would skip those years); a ``once`` one has exactly one occurrence and is never
due again."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Protocol

from dateutil.rrule import YEARLY, rrule

from loyalty.models.occasions import Recurrence


class Dated(Protocol):
    """Anything with an occasion's date fields (a row, an input)."""

    @property
    def year(self) -> int | None: ...
    @property
    def month(self) -> int: ...
    @property
    def day(self) -> int: ...
    @property
    def recurrence(self) -> str: ...


@lru_cache(maxsize=512)
def _yearly_rule(month: int, day: int, start_year: int) -> rrule:
    start = datetime(start_year, 1, 1)
    if (month, day) == (2, 29):
        # rrule(bymonth=2, bymonthday=29) skips common years: take the last of Feb 28/29 that exists
        return rrule(YEARLY, dtstart=start, bymonth=2, bymonthday=(28, 29), bysetpos=-1)
    return rrule(YEARLY, dtstart=start, bymonth=month, bymonthday=day)


def next_occurrence(occasion: Dated, today: date) -> date | None:
    """The first occurrence on or after ``today`` (a local date), or None for a one-off that has passed."""
    if occasion.recurrence == Recurrence.once:
        if occasion.year is None:
            return None
        when = date(occasion.year, occasion.month, occasion.day)
        return when if when >= today else None
    # a known year is the first occurrence (a wedding next June is not "due" this June)
    start_year = today.year - 1 if occasion.year is None else max(occasion.year, today.year - 1)
    found = _yearly_rule(occasion.month, occasion.day, start_year).after(
        datetime(today.year, today.month, today.day), inc=True
    )
    return found.date() if found is not None else None
