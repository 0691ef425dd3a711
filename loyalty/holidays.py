"""The holiday calendar: public holidays (``holidays`` package), commercial days (dateutil rules) and the
shop's own store days, each with a stable key usable for any year (``kurban_bayrami``, ``anneler_gunu``).

Identity never comes from an exact display name: the package is asked in English and its names are
mapped by pattern (Turkey) or slugified (other countries); the half-day category (the arife, "from 1 pm")
is asked separately, and "estimated" is read through the package's own label. A multi-day bayram is one
entry with its first date and number of days.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

import holidays as holidays_lib
import sqlalchemy as sa
from dateutil.rrule import SU, YEARLY, rrule, weekday
from sqlmodel import Field, Session, SQLModel, col, select

from loyalty.db import UTCDateTime, utcnow
from loyalty.errors import Conflict, Invalid, NotFound

LANGUAGES = ("tr", "en")


class HolidayKind(StrEnum):
    public = "public"
    commercial = "commercial"
    store = "store"


@dataclass(frozen=True)
class HolidayInfo:
    key: str
    name: str
    date: date
    days: int
    kind: str
    estimated: bool = False


# ---------------------------------------------------------------- store days (table)


class StoreDayBase(SQLModel):
    key: str = Field(max_length=64, unique=True, index=True)
    name_tr: str = Field(max_length=120)
    name_en: str = Field(default="", max_length=120)
    month: int
    day: int
    year: int | None = None  # None: every year; a year: that year only


class StoreDay(StoreDayBase, table=True):
    __tablename__ = "store_days"
    id: int | None = Field(default=None, primary_key=True)
    created_by: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StoreDayCreate(SQLModel):
    name_tr: str
    name_en: str = ""
    month: int
    day: int
    year: int | None = None
    key: str | None = None  # derived from name_tr when omitted


class StoreDayPublic(StoreDayBase):
    id: int


# ---------------------------------------------------------------- keys


_TR_ASCII = str.maketrans({"ı": "i", "İ": "i", "ş": "s", "Ş": "s", "ğ": "g", "Ğ": "g"})


def slugify(text: str) -> str:
    """``Atatürk'ü Anma`` → ``ataturku_anma``; ``New Year's Day`` → ``new_years_day``."""
    text = unicodedata.normalize("NFKD", text.translate(_TR_ASCII))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’`]", "", text)
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


# Turkey: the package's English names (any wording it used across the years) → stable Turkish keys.
_TR_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), key)
    for pattern, key in (
        (r"\bnew year", "yilbasi"),
        (r"national sovereignty", "ulusal_egemenlik_ve_cocuk_bayrami"),
        (r"labou?r", "emek_ve_dayanisma_gunu"),
        (r"youth and sports", "ataturku_anma_genclik_ve_spor_bayrami"),
        (r"democracy and national unity", "demokrasi_ve_milli_birlik_gunu"),
        (r"victory", "zafer_bayrami"),
        (r"republic", "cumhuriyet_bayrami"),
        (r"eid al[- ]fitr|ramadan feast", "ramazan_bayrami"),
        (r"eid al[- ]adha|sacrifice feast", "kurban_bayrami"),
    )
)
# fixed-date fallback if the package ever renames one of them
_TR_FIXED_DATES = {
    (1, 1): "yilbasi",
    (4, 23): "ulusal_egemenlik_ve_cocuk_bayrami",
    (5, 1): "emek_ve_dayanisma_gunu",
    (5, 19): "ataturku_anma_genclik_ve_spor_bayrami",
    (7, 15): "demokrasi_ve_milli_birlik_gunu",
    (8, 30): "zafer_bayrami",
    (10, 29): "cumhuriyet_bayrami",
}
TR_PUBLIC_KEYS = frozenset(_TR_FIXED_DATES.values()) | {
    "ramazan_bayrami",
    "kurban_bayrami",
    "ramazan_bayrami_arife",
    "kurban_bayrami_arife",
    "cumhuriyet_bayrami_arife",
}


def _tr_key(english: str, local: str, day: date, half_day: bool) -> str:
    key = next((key for pattern, key in _TR_PATTERNS if pattern.search(english)), None)
    if key is None and not half_day:
        key = _TR_FIXED_DATES.get((day.month, day.day))
    if key is None:
        return slugify(local)
    return f"{key}_arife" if half_day else key


# ---------------------------------------------------------------- commercial days (dateutil rules)


@dataclass(frozen=True)
class _Rule:
    key: str
    name_tr: str
    name_en: str
    month: int
    monthday: int | None = None
    nth_weekday: weekday | None = None


COMMERCIAL_DAYS: dict[str, tuple[_Rule, ...]] = {
    "TR": (
        _Rule("sevgililer_gunu", "Sevgililer Günü", "Valentine's Day", 2, monthday=14),
        _Rule("kadinlar_gunu", "Dünya Kadınlar Günü", "International Women's Day", 3, monthday=8),
        _Rule("anneler_gunu", "Anneler Günü", "Mother's Day", 5, nth_weekday=SU(+2)),
        _Rule("babalar_gunu", "Babalar Günü", "Father's Day", 6, nth_weekday=SU(+3)),
        _Rule("ogretmenler_gunu", "Öğretmenler Günü", "Teachers' Day", 11, monthday=24),
    )
}
COMMERCIAL_KEYS = frozenset(rule.key for rules in COMMERCIAL_DAYS.values() for rule in rules)


def _rule_date(rule: _Rule, year: int) -> date:
    kwargs: dict[str, Any] = {"bymonth": rule.month}
    if rule.nth_weekday is not None:
        kwargs["byweekday"] = rule.nth_weekday
    else:
        kwargs["bymonthday"] = rule.monthday
    found = rrule(YEARLY, dtstart=datetime(year, 1, 1), count=1, **kwargs)[0]
    return found.date()


def _commercial(year: int, country: str, lang: str) -> list[HolidayInfo]:
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


# ---------------------------------------------------------------- public holidays (holidays package)


def check_country(country: str) -> str:
    country = (country or "").strip().upper()
    if country not in holidays_lib.list_supported_countries():
        raise Invalid(
            "country", f"country {country!r} is not a supported ISO 3166 code / desteklenmeyen ülke"
        )
    return country


def check_lang(lang: str) -> str:
    lang = (lang or "").strip().lower()
    if lang not in LANGUAGES:
        raise Invalid("lang", f"lang must be one of {', '.join(LANGUAGES)} / dil tr ya da en olmalı")
    return lang


def _package_language(supported: tuple[str, ...], default: str, lang: str) -> str:
    wanted = ("tr",) if lang == "tr" else ("en_US", "en_GB", "en")
    english = ("en_US", "en_GB", "en")
    for code in (*wanted, *english):
        if code in supported:
            return code
    return next((code for code in supported if code.startswith("en")), default)


def _english(supported: tuple[str, ...], default: str) -> str:
    for code in ("en_US", "en_GB", "en"):
        if code in supported:
            return code
    return next((code for code in supported if code.startswith("en")), default)


def _split(name: str) -> list[str]:
    return [part.strip() for part in name.split("; ") if part.strip()]


def _estimated_text(calendar_: holidays_lib.HolidayBase) -> str:
    """The package's own "(estimated)" wording in that object's language ("" when the country has none)."""
    label = getattr(calendar_, "estimated_label", "")
    return calendar_.tr(label).replace("%s", "").strip() if label else ""


def _without(name: str, text: str) -> str:
    return " ".join(name.replace(text, "").split()) if text else name


@lru_cache(maxsize=256)
def _public(year: int, country: str, lang: str) -> tuple[HolidayInfo, ...]:
    probe = holidays_lib.country_holidays(country, years=[])
    default = str(probe.default_language or "en_US")
    supported: tuple[str, ...] = tuple(probe.supported_languages) or (default,)
    key_language = _english(supported, default)
    shown_language = _package_language(supported, default, lang)
    categories = [c for c in ("public", "half_day") if c in probe.supported_categories]

    days: list[tuple[date, str, str, bool]] = []  # (date, key, display name, estimated)
    for category in categories:
        keyed = holidays_lib.country_holidays(
            country, years=year, language=key_language, categories=(category,)
        )
        shown = holidays_lib.country_holidays(
            country, years=year, language=shown_language, categories=(category,)
        )
        local = holidays_lib.country_holidays(country, years=year, language=default, categories=(category,))
        key_est, shown_est, local_est = (_estimated_text(c) for c in (keyed, shown, local))
        half_day = category == "half_day"
        for day, joined in sorted(keyed.items()):
            english_parts = _split(joined)
            shown_parts = _split(shown.get(day, joined))
            local_parts = _split(local.get(day, joined))
            # same code fills every language in the same order, so the parts line up by position
            if len(shown_parts) != len(english_parts):
                shown_parts = english_parts
            if len(local_parts) != len(english_parts):
                local_parts = english_parts
            for english, shown_name, local_name in zip(english_parts, shown_parts, local_parts, strict=True):
                estimated = bool(key_est) and key_est in english
                english_clean = _without(english, key_est)
                if country == "TR":
                    key = _tr_key(english_clean, _without(local_name, local_est), day, half_day)
                else:
                    key = slugify(english_clean)
                days.append((day, key, _without(shown_name, shown_est), estimated))

    # one entry per run of consecutive days with the same key (a four-day bayram is one holiday)
    entries: list[HolidayInfo] = []
    open_runs: dict[str, int] = {}
    for day, key, name, estimated in sorted(days, key=lambda d: (d[0], d[1])):
        index = open_runs.get(key)
        if index is not None:
            run = entries[index]
            if (day - run.date).days == run.days:
                entries[index] = HolidayInfo(
                    run.key, run.name, run.date, run.days + 1, run.kind, run.estimated or estimated
                )
                continue
        open_runs[key] = len(entries)
        entries.append(HolidayInfo(key, name, day, 1, HolidayKind.public, estimated))
    return tuple(entries)


# ---------------------------------------------------------------- store days


def _store_days(session: Session, year: int, lang: str) -> list[HolidayInfo]:
    rows = session.exec(
        select(StoreDay).where(sa.or_(col(StoreDay.year).is_(None), col(StoreDay.year) == year))
    ).all()
    out = []
    for row in rows:
        day = row.day
        if (row.month, row.day) == (2, 29) and not calendar.isleap(year):
            day = 28  # a yearly Feb 29 is kept on Feb 28 in common years
        name = (row.name_en or row.name_tr) if lang == "en" else row.name_tr
        out.append(HolidayInfo(row.key, name, date(year, row.month, day), 1, HolidayKind.store))
    return out


_KEY = re.compile(r"^[a-z0-9][a-z0-9_]{1,63}$")


def add_store_day(session: Session, data: StoreDayCreate, *, actor: str, country: str = "TR") -> StoreDay:
    """A shop's own day (anniversary, ...): yearly when ``year`` is None, else that year only."""
    name_tr = " ".join(data.name_tr.split())
    if not name_tr or len(name_tr) > 120:
        raise Invalid("name_tr", "name_tr is required (at most 120 characters) / Türkçe ad gerekli")
    name_en = " ".join(data.name_en.split())
    if len(name_en) > 120:
        raise Invalid("name_en", "name_en must be at most 120 characters")
    if not 1 <= data.month <= 12:
        raise Invalid("month", "month must be 1-12 / geçersiz ay")
    if data.year is not None and not 1900 <= data.year <= 2200:
        raise Invalid("year", "year is out of range / geçersiz yıl")
    if not 1 <= data.day <= calendar.monthrange(data.year or 2000, data.month)[1]:
        raise Invalid("day", f"{data.month:02d}-{data.day:02d} is not a real date / geçersiz tarih")
    key = data.key.strip().lower() if data.key else slugify(name_tr)[:64]
    if not _KEY.match(key):
        raise Invalid("key", "key must be 2-64 characters of a-z, 0-9 and _ / geçersiz anahtar")
    reserved = COMMERCIAL_KEYS | (TR_PUBLIC_KEYS if country == "TR" else frozenset())
    if key in reserved:
        raise Conflict(f"key {key!r} is already a public or commercial holiday / bu anahtar kullanılıyor")
    if session.exec(select(StoreDay).where(StoreDay.key == key)).first() is not None:
        raise Conflict(f"store day {key!r} already exists / bu mağaza günü zaten var")
    row = StoreDay(
        key=key,
        name_tr=name_tr,
        name_en=name_en,
        month=data.month,
        day=data.day,
        year=data.year,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def list_store_days(session: Session) -> list[StoreDay]:
    return list(
        session.exec(select(StoreDay).order_by(col(StoreDay.month), col(StoreDay.day), col(StoreDay.key)))
    )


def delete_store_day(session: Session, key: str) -> None:
    row = session.exec(select(StoreDay).where(StoreDay.key == key)).first()
    if row is None:
        raise NotFound(f"store day {key!r} not found")
    session.delete(row)
    session.flush()


# ---------------------------------------------------------------- the calendar


def holidays_for(
    year: int, country: str = "TR", lang: str = "tr", session: Session | None = None
) -> list[HolidayInfo]:
    """Every public, commercial and (with a session) store day of ``year``, sorted by date."""
    country, lang = check_country(country), check_lang(lang)
    if not 1900 <= year <= 2200:
        raise Invalid("year", "year must be 1900-2200")
    entries = [*_public(year, country, lang), *_commercial(year, country, lang)]
    if session is not None:
        entries.extend(_store_days(session, year, lang))
    return sorted(entries, key=lambda h: (h.date, h.kind != HolidayKind.public, h.key))


def holiday_dates(key: str, year: int, country: str = "TR", session: Session | None = None) -> list[date]:
    """Every first day of the holiday ``key`` in ``year`` (an Islamic holiday can fall twice in one year)."""
    return [h.date for h in holidays_for(year, country, "en", session) if h.key == key]


def holiday_date(key: str, year: int, country: str = "TR", session: Session | None = None) -> date:
    """The first day of the holiday ``key`` in ``year`` (its first occurrence when it falls twice)."""
    found = holiday_dates(key, year, country, session)
    if not found:
        raise NotFound(f"no holiday {key!r} in {year} for {country}")
    return found[0]
