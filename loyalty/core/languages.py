"""The product's languages, defined once: Turkish (the default) and English, and the one way to choose one.

Pages, errors, message templates, holiday names, reports and the shop's settings all take their languages
from here; a third language is added here (and its texts and templates where the catalogues say).
"""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["tr", "en"]  # for a pydantic field or a query parameter; the default first
LANGUAGES: tuple[str, ...] = get_args(Language)
DEFAULT_LANGUAGE = LANGUAGES[0]


def language_of(locale: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The supported language of any locale text (``en``, ``en-GB``, ``EN_us``), else ``default``."""
    code = (locale or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else default
