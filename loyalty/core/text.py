"""Text helpers that must know Turkish: case and accent folding for search."""

from __future__ import annotations

import unicodedata

_TR_UPPER_TO_LOWER = str.maketrans({"I": "ı", "İ": "i"})
# Turkish letters a counter keyboard may not have: a search typed in ASCII must still find them
_TR_TO_ASCII = str.maketrans({"ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u"})


def fold(text: str) -> str:
    """Turkish-aware case folding: ``IŞIK`` → ``ışık``, ``İSTANBUL`` → ``istanbul``.

    Python's own ``lower()`` maps ``I`` to ``i`` and ``İ`` to ``i̇`` (with a combining dot), which breaks
    search for Turkish names; the dotted and dotless pairs are mapped first.
    """
    text = unicodedata.normalize("NFC", text).translate(_TR_UPPER_TO_LOWER)
    return " ".join(text.lower().split())


def search_key(text: str) -> str:
    """What a name is searched by: Turkish case folding, then every letter without its accent.

    ``Çiğdem Öztürk``, ``ÇİĞDEM ÖZTÜRK``, ``cigdem ozturk`` and ``CIGDEM OZTURK`` all give
    ``cigdem ozturk``: staff may type with or without Turkish letters, in any case. Other accents (é, ñ)
    are dropped the same way (NFKD, combining marks removed).
    """
    folded = fold(text).translate(_TR_TO_ASCII)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
