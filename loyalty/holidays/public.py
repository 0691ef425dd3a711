"""Public holidays from the ``holidays`` package: the half-day category (the arife, "from 1 pm") asked
separately, "estimated" read through the package's own label, a multi-day bayram as one entry with its
first date and number of days."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays as holidays_lib
from holidays.registry import EntityLoader

from loyalty.core.errors import Invalid
from loyalty.core.languages import LANGUAGES
from loyalty.holidays.keys import slugify, tr_key
from loyalty.holidays.schemas import HolidayInfo
from loyalty.messaging.wording import spoken_holiday
from loyalty.models.holidays import HolidayKind


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    """The package's country codes (aliases too) from its registry: ``list_supported_countries`` gives the
    same codes but imports every country's module first (~0.4 s the first time a process asks)."""
    return frozenset(EntityLoader.get_country_codes())


def check_country(country: str) -> str:
    country = (country or "").strip().upper()
    if country not in _country_codes():
        raise Invalid("country", "holidays.country_supported_iso_3166_code", country=repr(country))
    return country


def check_lang(lang: str) -> str:
    lang = (lang or "").strip().lower()
    if lang not in LANGUAGES:
        raise Invalid("lang", "holidays.lang_one", languages=", ".join(LANGUAGES))
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
def public_days(year: int, country: str, lang: str) -> tuple[HolidayInfo, ...]:
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
                    key = tr_key(english_clean, _without(local_name, local_est), day, half_day)
                else:
                    key = slugify(english_clean)
                # the name as people say it ("Ramazan Bayramı Arifesi"), not the half-day label
                days.append((day, key, spoken_holiday(key, _without(shown_name, shown_est), lang), estimated))

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
