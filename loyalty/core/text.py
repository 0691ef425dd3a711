"""Text helpers that must know Turkish: case folding for search."""

from __future__ import annotations

import unicodedata

_TR_UPPER_TO_LOWER = str.maketrans({"I": "ı", "İ": "i"})


def fold(text: str) -> str:
    """Turkish-aware case folding: ``IŞIK`` → ``ışık``, ``İSTANBUL`` → ``istanbul``.

    Python's own ``lower()`` maps ``I`` to ``i`` and ``İ`` to ``i̇`` (with a combining dot), which breaks
    search for Turkish names; the dotted and dotless pairs are mapped first.
    """
    text = unicodedata.normalize("NFC", text).translate(_TR_UPPER_TO_LOWER)
    return " ".join(text.lower().split())
