"""A small Turkish grammar for the texts members read: the genitive and the possessive suffixes.

Vowel harmony picks the suffix's vowel from the word's last vowel (a ı -> ı, e i -> i, o u -> u, ö ü -> ü);
after a vowel a buffer consonant comes in (genitive -nIn: Ayşe'nin; 3rd-person possessive -sI: annesi;
"siz" possessive -nIz: anneniz); a proper name keeps its form and takes an apostrophe before the suffix
(Elif'in, Can'ın, Ümit'in, Oya'nın, Uğur'un, Gül'ün). A few names borrowed from Arabic end in a front
("palatal") l and take front vowels although their last vowel is back (Kemal'in, Hilal'in): they are listed.

When a name cannot be declined with confidence (no vowel, letters outside the Turkish alphabet, a French
or English silent ending), ``genitive_name`` answers ``None`` and the caller words the sentence without a
suffix on the name. PyPI's ``ekler`` (2019-2021) was read and not used: it guesses "-nin" for a word with
no vowel, ignores the palatal l and has no possessive forms.
"""

from __future__ import annotations

from dataclasses import dataclass

VOWELS = "aeıioöuü"
BACK = "aıou"
ROUNDED = "oöuü"
TURKISH_LETTERS = set("abcçdefgğhıijklmnoöprsştuüvyz")
# devoiced final consonants that soften before a vowel in words marked ``softens`` (bebek -> bebeği)
SOFTENING = {"p": "b", "ç": "c", "t": "d", "k": "ğ"}
# names whose final l is palatal: front harmony despite a back last vowel
PALATAL_L_NAMES = frozenset(
    {"kemal", "cemal", "celal", "bilal", "hilal", "nihal", "meral", "iclal", "ikbal", "hayal", "kemalettin"}
)
# endings that are silent or not read as written in French and English names (Michelle, Jacques, Renault)
SILENT_ENDINGS = (
    "lle",
    "tte",
    "nne",
    "sse",
    "mme",
    "ette",
    "eau",
    "eaux",
    "aux",
    "oux",
    "ault",
    "ois",
    "gh",
    "que",
)


def lower_tr(text: str) -> str:
    """Lower case with Turkish dotted/dotless i (I -> ı, İ -> i)."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def upper_first_tr(text: str) -> str:
    """The first letter in upper case, Turkish style (i -> İ, ı -> I): a sentence's start."""
    if not text:
        return text
    first = {"i": "İ", "ı": "I"}.get(text[0], text[0].upper())
    return first + text[1:]


def last_vowel(word: str) -> str | None:
    for char in reversed(lower_tr(word)):
        if char in VOWELS:
            return char
    return None


def harmony_i(word: str, *, front: bool = False) -> str:
    """The four-way vowel (ı i u ü) a suffix takes after ``word``."""
    vowel = last_vowel(word)
    if vowel is None:
        raise ValueError(f"no vowel in {word!r}")
    back = vowel in BACK and not front
    rounded = vowel in ROUNDED
    if back:
        return "u" if rounded else "ı"
    return "ü" if rounded else "i"


def ends_in_vowel(word: str) -> bool:
    return bool(word) and lower_tr(word[-1]) in VOWELS


def _last_word(phrase: str) -> str:
    return phrase.rsplit(" ", 1)[-1]


# ---- common nouns ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Noun:
    """A noun phrase whose last word takes the suffixes: ``head`` is that word's bare stem, ``before`` the
    words in front of it ("doğum " + "gün"); ``softens`` when the stem's final p ç t k softens before a
    vowel (bebek -> bebeği; mezuniyet -> mezuniyeti does not)."""

    head: str
    before: str = ""
    softens: bool = False

    def _stem_before_vowel(self) -> str:
        if self.softens and self.head[-1] in SOFTENING:
            return self.head[:-1] + SOFTENING[self.head[-1]]
        return self.head

    def possessed(self) -> str:
        """The 3rd-person possessive (the thing of someone): doğum günü, mezuniyeti, yeni işi, annesi."""
        vowel = harmony_i(self.head)
        if ends_in_vowel(self.head):
            return f"{self.before}{self.head}s{vowel}"
        return f"{self.before}{self._stem_before_vowel()}{vowel}"

    def yours(self) -> str:
        """The "siz" possessive: doğum gününüz, evlilik yıldönümünüz, yeni işiniz, mezuniyetiniz."""
        vowel = harmony_i(self.head)
        if ends_in_vowel(self.head):
            return f"{self.before}{self.head}n{vowel}z"
        return f"{self.before}{self._stem_before_vowel()}{vowel}n{vowel}z"


def genitive(word: str) -> str:
    """The genitive of a common word or phrase (no apostrophe): annenizin, oğlunuzun, kız kardeşinizin."""
    last = _last_word(word)
    vowel = harmony_i(last)
    return f"{word}n{vowel}n" if ends_in_vowel(last) else f"{word}{vowel}n"


# ---- proper names ----------------------------------------------------------------------------------------


def _sure(name: str) -> bool:
    word = lower_tr(_last_word(name.strip()))
    if not word or last_vowel(word) is None:
        return False
    if any(char not in TURKISH_LETTERS for char in word):
        return False
    return not word.endswith(SILENT_ENDINGS)


def genitive_name(name: str) -> str | None:
    """A proper name in the genitive, with its apostrophe: Elif'in, Can'ın, Ayşe'nin, Ümit'in, Oya'nın,
    Uğur'un, Gül'ün, Kemal'in. ``None`` when the grammar cannot be sure (no vowel, foreign letters, a
    silent ending): the caller then words the sentence without a suffix on the name."""
    name = " ".join(name.split())
    if not _sure(name):
        return None
    last = lower_tr(_last_word(name))
    vowel = harmony_i(last, front=last in PALATAL_L_NAMES)
    return f"{name}'n{vowel}n" if ends_in_vowel(last) else f"{name}'{vowel}n"
