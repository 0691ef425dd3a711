"""The calendar of a year: public, commercial and store days together, and a holiday's date by key."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlmodel import Session

from loyalty.core.errors import Invalid, NotFound
from loyalty.holidays.commercial import commercial_days
from loyalty.holidays.public import check_country, check_lang, public_days
from loyalty.holidays.schemas import HolidayInfo
from loyalty.holidays.store_days import store_days_in
from loyalty.models.holidays import HolidayKind


def holidays_for(
    year: int, country: str = "TR", lang: str = "tr", session: Session | None = None
) -> list[HolidayInfo]:
    """Every public, commercial and (with a session) store day of ``year``, sorted by date."""
    country, lang = check_country(country), check_lang(lang)
    if not 1900 <= year <= 2200:
        raise Invalid("year", "holidays.year_1900_2200")
    entries = [*public_days(year, country, lang), *commercial_days(year, country, lang)]
    if session is not None:
        entries.extend(store_days_in(session, year, lang))
    return sorted(entries, key=lambda h: (h.date, h.kind != HolidayKind.public, h.key))


def holiday_dates(key: str, year: int, country: str = "TR", session: Session | None = None) -> list[date]:
    """Every first day of the holiday ``key`` in ``year`` (an Islamic holiday can fall twice in one year)."""
    return [h.date for h in holidays_for(year, country, "en", session) if h.key == key]


def holiday_date(key: str, year: int, country: str = "TR", session: Session | None = None) -> date:
    """The first day of the holiday ``key`` in ``year`` (its first occurrence when it falls twice)."""
    found = holiday_dates(key, year, country, session)
    if not found:
        raise NotFound("holidays.unknown_in_year", key_name=repr(key), year=year, country=country)
    return found[0]


@lru_cache(maxsize=256)
def holiday_name(key: str, year: int, country: str, lang: str) -> str:
    for info in holidays_for(year, country, lang):
        if info.key == key:
            return str(info.name)
    return ""
