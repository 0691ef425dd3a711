"""The web pages' UI text in Turkish and English, and the choice of language for a request.

The language comes from ``?lang=tr|en``, then the ``lang`` cookie, then the browser's Accept-Language
(negotiated with Babel), then the shop's default locale. Message texts (SMS, e-mail) live in
templates/messages, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from babel.core import negotiate_locale

from loyalty.core.languages import LANGUAGES
from loyalty.core.texts import admin, common, counter, errors, marketing

SUPPORTED: tuple[str, ...] = LANGUAGES


COOKIE = "lang"


# key -> (Turkish, English)
_PAGES: dict[str, tuple[str, str]] = {**common.TEXT, **counter.TEXT, **marketing.TEXT, **admin.TEXT}
_TEXT: dict[str, tuple[str, str]] = {**_PAGES, **errors.TEXT}  # error texts reach pages inside answers


def normalize(lang: str | None) -> str | None:
    """'tr', 'TR', 'tr-TR', 'en_GB' -> a supported language, or None."""
    if not lang:
        return None
    found = negotiate_locale([lang.strip().lower().replace("_", "-")], list(SUPPORTED), sep="-")
    return found


def accept_language(header: str | None) -> list[str]:
    """The languages of an Accept-Language header, best first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(accept_header: str | None) -> str | None:
    """The supported language an Accept-Language header prefers, or None."""
    preferred = accept_language(accept_header)
    return negotiate_locale(preferred, list(SUPPORTED), sep="-") if preferred else None


def choose_language(
    query: str | None, cookie: str | None, accept_header: str | None, default: str = "tr"
) -> str:
    """?lang=, then the cookie, then Accept-Language, then the shop default."""
    for candidate in (query, cookie):
        chosen = normalize(candidate)
        if chosen:
            return chosen
    return negotiate(accept_header) or normalize(default) or SUPPORTED[0]


def known(key: str) -> bool:
    return key in _TEXT


def gettext(key: str, lang: str, /, **values: object) -> str:
    """The UI text for ``key`` in ``lang`` (the key itself when unknown, so a gap shows, never breaks)."""
    pair = _TEXT.get(key)
    if pair is None:
        return key
    text = pair[SUPPORTED.index(lang)] if lang in SUPPORTED else pair[0]
    try:
        return text.format(**values)  # always: "{{kod}}" in a text without parameters is "{kod}"
    except (KeyError, IndexError, ValueError):  # a parameter missing: the text as written, never a 500
        return text


def catalog(lang: str, keys: Iterable[str] | None = None) -> dict[str, str]:
    """All (or the given) UI texts in one language, for the pages' scripts (errors come worded)."""
    wanted: Sequence[str] = list(keys) if keys is not None else list(_PAGES)
    return {key: gettext(key, lang) for key in wanted}
