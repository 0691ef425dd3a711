"""The words of an occasion and of a holiday, as a Turkish or English shop writes them to a member.

The producers pass plain facts (the occasion's kind, for whom, the person's name, its day, how many days
before it the message goes; a holiday's key and name); this module words them: "Kızınız Elif'in doğum
günü yaklaşıyor: 9 Mayıs." before the day, "Kızınız Elif'in doğum günü kutlu olsun!" on it, "Doğum
gününüz kutlu olsun, iyi ki doğdunuz!" for the member's own. Turkish suffixes come from
``core.grammar_tr``; a name it cannot decline safely is put in parentheses after the relation instead.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from babel.dates import format_date

from loyalty.core.grammar_tr import Noun, genitive, genitive_name, lower_tr, upper_first_tr
from loyalty.core.money import parsed_locale

# the occasion as a noun: Turkish (the word that takes the suffixes), English
KIND_NOUNS: dict[str, tuple[Noun, str]] = {
    "birthday": (Noun("gün", "doğum "), "birthday"),
    "wedding_anniversary": (Noun("yıldönüm", "evlilik "), "wedding anniversary"),
    "new_job": (Noun("iş", "yeni "), "new job"),
    "graduation": (Noun("mezuniyet"), "graduation"),
    "new_home": (Noun("ev", "yeni "), "new home"),
    "new_baby": (Noun("bebek", "yeni ", softens=True), "new baby"),
    "custom": (Noun("gün", "özel "), "special day"),
}
# kinds one congratulates ("hayırlı olsun" / "Congratulations on"), the rest are celebrated
BLESSED_KINDS = frozenset({"new_job", "new_home", "new_baby"})
CONGRATULATED_KINDS = frozenset({"new_job", "graduation", "new_home", "new_baby"})

# the relations as the shop says them to the member: "kızınız Elif", "your daughter Elif"
ADDRESSED: dict[str, tuple[str, str]] = {
    "self": ("siz", "you"),
    "daughter": ("kızınız", "your daughter"),
    "son": ("oğlunuz", "your son"),
    "spouse": ("eşiniz", "your spouse"),
    "partner": ("sevgiliniz", "your partner"),
    "mother": ("anneniz", "your mother"),
    "father": ("babanız", "your father"),
    "sister": ("kız kardeşiniz", "your sister"),
    "brother": ("erkek kardeşiniz", "your brother"),
    "grandmother": ("büyükanneniz", "your grandmother"),
    "grandfather": ("dedeniz", "your grandfather"),
    "grandchild": ("torununuz", "your grandchild"),
    "friend": ("arkadaşınız", "your friend"),
    "colleague": ("iş arkadaşınız", "your colleague"),
    "other": ("yakınınız", "someone close to you"),
}

SELF_GREETINGS_EN = {
    "birthday": "Happy birthday!",
    "wedding_anniversary": "Happy anniversary!",
    "custom": "Best wishes on your special day!",
}


def is_english(locale: str) -> bool:
    return locale.startswith("en")


def short_day(value: date, locale: str) -> str:
    """9 Mayıs / May 9: the day an SMS names, without the year."""
    return format_date(
        value, format="d MMMM" if not is_english(locale) else "MMMM d", locale=parsed_locale(locale)
    )


def _kind(kind: str) -> tuple[Noun, str]:
    return KIND_NOUNS.get(kind, KIND_NOUNS["custom"])


def occasion_phrase(kind: str, for_whom: str, name: str | None, locale: str) -> str:
    """Whose occasion, as a noun phrase in the middle of a sentence: "kızınız Elif'in doğum günü",
    "annenizin doğum günü", "evlilik yıldönümünüz"; "your daughter Elif's birthday", "your birthday"."""
    noun, english = _kind(kind)
    name = " ".join((name or "").split())
    if is_english(locale):
        if for_whom == "self":
            return f"your {english}"
        relation = ADDRESSED.get(for_whom, ADDRESSED["other"])[1]
        if for_whom not in ADDRESSED or for_whom == "other":
            return f"{name}'s {english}" if name else f"the {english} of {relation}"
        return f"{relation} {name}'s {english}" if name else f"{relation}'s {english}"
    if for_whom == "self":
        return noun.yours()
    relation = ADDRESSED.get(for_whom, ADDRESSED["other"])[0]
    if not name:
        return f"{genitive(relation)} {noun.possessed()}"
    declined = genitive_name(name)
    if declined is None:  # not sure how the name declines: no suffix on it
        return f"{genitive(relation)} ({name}) {noun.possessed()}"
    return f"{relation} {declined} {noun.possessed()}"


def occasion_line(kind: str, for_whom: str, name: str | None, on: date, days_before: int, locale: str) -> str:
    """The sentence an occasion message opens with: "yaklaşıyor" before the day, "kutlu olsun" on it."""
    phrase = occasion_phrase(kind, for_whom, name, locale)
    english = is_english(locale)
    if days_before > 0:
        verb = "is coming up on" if english else "yaklaşıyor:"
        return f"{upper_first_tr(phrase)} {verb} {short_day(on, locale)}."
    if english:
        if for_whom == "self":
            return SELF_GREETINGS_EN.get(kind, f"Congratulations on {phrase}!")
        if kind in CONGRATULATED_KINDS:
            return f"Congratulations on {phrase}!"
        return f"Today is {phrase}: our best wishes!"
    wish = "hayırlı olsun" if kind in BLESSED_KINDS else "kutlu olsun"
    if kind == "birthday" and for_whom == "self":
        return f"{upper_first_tr(phrase)} {wish}, iyi ki doğdunuz!"
    return f"{upper_first_tr(phrase)} {wish}!"


def occasion_subject(
    kind: str, for_whom: str, name: str | None, on: date, days_before: int, locale: str
) -> str:
    """An e-mail subject: before the day the opening sentence without its day, on the day the greeting."""
    if days_before > 0:
        phrase = upper_first_tr(occasion_phrase(kind, for_whom, name, locale))
        return f"{phrase} is coming up" if is_english(locale) else f"{phrase} yaklaşıyor"
    return occasion_line(kind, for_whom, name, on, days_before, locale)


# what a message queued before the wording carried its facts can still say, from its template's name
PURPOSE_FACTS = {
    "birthday_self": ("birthday", "self"),
    "birthday_relative": ("birthday", "other"),
    "once_congrats": ("custom", "self"),
    "occasion_reminder": ("custom", "self"),
}


OccasionArgs = tuple[str, str, str | None, date, int, str]  # kind, for_whom, name, day, days_before, locale


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def more_occasion_facts(values: dict[str, Any]) -> list[Any]:
    """One occasion's facts as ``more_occasions`` carries them (a message naming several occasions):
    [kind, for_whom, relation_name, occasion_on, days_before, occasion_id]."""
    return [
        str(values.get("kind") or "custom"),
        str(values.get("for_whom") or "self"),
        str(values.get("relation_name") or ""),
        str(values.get("occasion_on") or "")[:10],
        int(values.get("days_before") or 0),
        int(values.get("occasion_id") or 0),
    ]


def occasions_line(occasions: list[OccasionArgs], locale: str) -> tuple[str, str]:
    """(line, subject) of one message naming several occasions of a member on one day: before a common
    day one sentence ("Doğum gününüz ve kızınız Elif'in doğum günü yaklaşıyor: 9 Mayıs." / "Your birthday
    and your daughter Elif's birthday are coming up on May 9."), else each occasion's own line."""
    english = is_english(locale)
    days = {(a[3], a[4]) for a in occasions}
    if len(days) == 1 and occasions[0][4] > 0:
        phrases = [occasion_phrase(a[0], a[1], a[2], locale) for a in occasions]
        joined = (", ".join(phrases[:-1]) + (" and " if english else " ve ") + phrases[-1]).strip()
        subject = upper_first_tr(joined) + (" are coming up" if english else " yaklaşıyor")
        verb = "are coming up on" if english else "yaklaşıyor:"
        return f"{upper_first_tr(joined)} {verb} {short_day(occasions[0][3], locale)}.", subject
    lines = [occasion_line(*a) for a in occasions]
    return " ".join(lines), lines[0]


def occasion_words(values: dict[str, Any], locale: str, purpose: str = "") -> dict[str, str]:
    """The worded occasion for a message's template values (``kind``, ``for_whom``, ``relation_name``,
    ``occasion_on``, ``days_before``; ``more_occasions`` when it names several): ``occasion_line`` (a
    sentence), ``occasion_clause`` (the same after "Ayşe, "), ``occasion_subject``. Empty without a day."""
    if not values.get("occasion_on"):
        return {}
    if not values.get("kind"):
        if purpose not in PURPOSE_FACTS:
            return {}
        values = {**values, "kind": PURPOSE_FACTS[purpose][0], "for_whom": PURPOSE_FACTS[purpose][1]}
    args: OccasionArgs = (
        str(values["kind"]),
        str(values.get("for_whom") or "self"),
        values.get("relation_name") or None,
        _day(values["occasion_on"]),
        int(values.get("days_before") or 0),
        locale,
    )
    more = [
        (str(k), str(w or "self"), str(n) or None, _day(on), int(d or 0), locale)
        for k, w, n, on, d, *_id in values.get("more_occasions") or []
    ]
    if more:
        line, subject = occasions_line([args, *more], locale)
    else:
        line, subject = occasion_line(*args), occasion_subject(*args)
    # the line after "Ayşe, ...": lower case first, unless it opens with the person's name ("Oya's birthday")
    name = str(args[2] or "")
    clause = line if name and line.startswith(name) else lower_tr(line[:1]) + line[1:]
    return {"occasion_line": line, "occasion_clause": clause, "occasion_subject": subject}


# ---- holidays ------------------------------------------------------------------------------------------

# a holiday as people say it, where the calendar's label is not (its half-day "from 1 pm" eve)
SPOKEN_HOLIDAYS: dict[str, tuple[str, str]] = {
    "ramazan_bayrami_arife": ("Ramazan Bayramı Arifesi", "the eve of Eid al-Fitr"),
    "kurban_bayrami_arife": ("Kurban Bayramı Arifesi", "the eve of Eid al-Adha"),
    "cumhuriyet_bayrami_arife": ("Cumhuriyet Bayramı Arifesi", "Republic Day eve"),
}
_TECHNICAL = re.compile(r"\s*\((?:saat|from|estimated|tahmini)[^)]*\)")


def spoken_holiday(key: str, name: str, lang: str) -> str:
    """The name a member reads: "Ramazan Bayramı Arifesi", never "Ramazan Bayramı (saat 13.00'ten)"."""
    if key in SPOKEN_HOLIDAYS:
        return SPOKEN_HOLIDAYS[key][1 if is_english(lang) else 0]
    return " ".join(_TECHNICAL.sub("", name).split())


def holiday_greeting(key: str, name: str, lang: str) -> str:
    """What one says on the day: "Kurban Bayramınız kutlu olsun!", "Anneler Gününüz kutlu olsun!",
    "Yeni yılınız kutlu olsun!"; "Happy Eid al-Adha!", "Happy New Year!"."""
    spoken = spoken_holiday(key, name, lang)
    if key.endswith("_arife"):  # the eve: one wishes a good holiday
        return "Happy holidays!" if is_english(lang) else "İyi bayramlar!"
    if is_english(lang):
        return "Happy New Year!" if key == "yilbasi" else f"Happy {spoken}!"
    if key == "yilbasi":
        return "Yeni yılınız kutlu olsun!"  # never "Yılbaşınız"
    words = spoken.rsplit(" ", 1)
    heads = {"Bayramı": "Bayram", "Günü": "Gün"}
    if len(words) == 2 and words[1] in heads:
        return f"{Noun(heads[words[1]], words[0] + ' ').yours()} kutlu olsun!"
    return f"{spoken} kutlu olsun!"
