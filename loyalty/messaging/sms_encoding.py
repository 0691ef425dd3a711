"""How an SMS text is encoded and how many segments it costs.

GSM-7 (GSM 03.38 basic table + extension table, through the ``gsm0338`` codec: an extension character such
as ``€`` or ``{`` is an escape plus a septet, so it counts 2) fits 160 septets in one SMS and 153 per part of
a concatenated one. Any character outside those tables (Turkish ş ğ ı İ ç, emoji) forces UCS-2: 70 UTF-16
code units in one SMS, 67 per part. A part never splits an escape pair or a surrogate pair.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
# GSM-7 with Turkish's national-language single shift table (3GPP TS 23.038 A.2.1), what Turkish gateways
# send as "TR" encoding: the shift table's letters are an escape plus a septet (2), and the header that
# names the table takes 3 bytes more: 155 septets in one SMS, 149 per part of a concatenated one
TR_SINGLE, TR_PART = 155, 149
TURKISH_SHIFT = frozenset("ĞİŞçğış")

Encoding = Literal["GSM-7", "GSM-7 TR", "UCS-2"]


@dataclass(frozen=True)
class SmsInfo:
    encoding: Encoding
    segments: int
    length: int  # septets for GSM-7, UTF-16 code units for UCS-2
    offending: str = ""  # the characters that forced UCS-2, in order of first appearance


def _gsm_units(char: str) -> int | None:
    try:
        return len(char.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def _pack(units: list[int], single: int, part: int) -> int:
    """Segments for characters of the given widths: one if all fit in ``single``, else greedy parts."""
    if sum(units) <= single:
        return 1 if units else 0
    segments, used = 1, 0
    for width in units:
        if used + width > part:
            segments, used = segments + 1, 0
        used += width
    return segments


def sms_segments(text: str, *, turkish: bool = False) -> SmsInfo:
    """Encoding, segment count and length of ``text`` as an SMS. ``turkish``: the route offers Turkish's
    national-language shift table, so ş ğ ı İ Ş Ğ ç keep GSM-7 (155 / 149 per part) instead of UCS-2."""
    gsm = [_gsm_units(c) for c in text]
    if all(u is not None for u in gsm):
        units = [u for u in gsm if u is not None]
        return SmsInfo("GSM-7", _pack(units, GSM_SINGLE, GSM_PART), sum(units))
    if turkish and all(u is not None or c in TURKISH_SHIFT for c, u in zip(text, gsm, strict=True)):
        units = [2 if u is None else u for u in gsm]
        return SmsInfo("GSM-7 TR", _pack(units, TR_SINGLE, TR_PART), sum(units))
    offending = "".join(dict.fromkeys(c for c, u in zip(text, gsm, strict=True) if u is None))
    ucs2 = [len(c.encode("utf-16-le")) // 2 for c in text]
    return SmsInfo("UCS-2", _pack(ucs2, UCS2_SINGLE, UCS2_PART), sum(ucs2), offending)


def sms_parts_by_encoding(text: str) -> dict[str, SmsInfo]:
    """What ``text`` costs on each kind of route: one that only has GSM-7 and UCS-2 (Twilio: "UCS-2" for
    Turkish letters), and one with the Turkish shift table (a Turkish gateway's "TR" encoding)."""
    return {"international": sms_segments(text), "turkish": sms_segments(text, turkish=True)}


# Characters outside GSM-7 with a readable GSM-7 stand-in; the rest are decomposed (NFKD) and their marks
# dropped (ş -> s, ğ -> g, İ -> I), and anything left becomes "?".
_FOLD = str.maketrans(
    {
        "ı": "i",
        "₺": "TL",
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


def fold_to_gsm7(text: str) -> str:
    """``text`` with every character outside GSM-7 replaced by its nearest GSM-7 stand-in: Turkish letters
    lose their marks (ı→i, ş→s, ğ→g, ç→c, İ→I), ₺ becomes TL; characters already in GSM-7 (ö, ü, Ç, é)
    stay. The result always encodes as GSM-7."""
    out = []
    for char in text:
        if _gsm_units(char) is not None:
            out.append(char)
            continue
        for piece in unicodedata.normalize("NFKD", char.translate(_FOLD)):
            if unicodedata.combining(piece):
                continue
            out.append(piece if _gsm_units(piece) is not None else "?")
    return "".join(out)
