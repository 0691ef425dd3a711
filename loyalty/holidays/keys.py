"""Stable holiday keys. Identity never comes from an exact display name: the package is asked in English and
its names are mapped by pattern (Turkey) or slugified (other countries)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

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


def tr_key(english: str, local: str, day: date, half_day: bool) -> str:
    key = next((key for pattern, key in _TR_PATTERNS if pattern.search(english)), None)
    if key is None and not half_day:
        key = _TR_FIXED_DATES.get((day.month, day.day))
    if key is None:
        return slugify(local)
    return f"{key}_arife" if half_day else key
