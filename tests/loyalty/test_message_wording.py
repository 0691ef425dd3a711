"""Every text a member reads, as a native speaker writes it: each occasion kind x relation x language, before
the day and on it, with and without a purpose and a coupon, on SMS and e-mail; holiday and date coupons,
the welcome, the opt-out confirmation. Expected sentences are spelled out here, not derived from the code."""

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from loyalty.messaging.samples import reviewers_list
from loyalty.messaging.sms_encoding import sms_segments
from loyalty.messaging.templates import render_message
from loyalty.messaging.wording import holiday_greeting, occasion_line, spoken_holiday

SHOP = {
    "shop_name": "Köşe Kahvecisi",
    "currency": "TRY",
    "first_name": "Ayşe",
    "member_page_url": "https://kosekahvecisi.com.tr/m/Xk3aB9dE2fGh",  # a short link: 15 after the host
    "unsubscribe_url": "https://kosekahvecisi.com.tr/u/eyJ0",
}
OPT_OUT = {"tr": "SMS almamak için RET yazıp yanıtlayın.", "en": "Reply STOP to opt out."}
COUPON = {
    "coupon_code": "7KQ4-MZ2H-XRA",
    "offer_kind": "percent",
    "offer_value": "15",
    "expires_on": "2027-05-12",
}
PURPOSE = "çikolatalı pasta sever, sürpriz parti"
DAY = date(2027, 5, 9)

# relation -> (name, Turkish owner phrase at a sentence's start, English owner phrase); names of every
# vowel class, a buffer n after a vowel, and relations without a name
RELATIONS: dict[str, tuple[str, str, str]] = {
    "mother": ("", "Annenizin", "Your mother's"),
    "father": ("Uğur", "Babanız Uğur'un", "Your father Uğur's"),
    "spouse": ("Gül", "Eşiniz Gül'ün", "Your spouse Gül's"),
    "daughter": ("Ayşe", "Kızınız Ayşe'nin", "Your daughter Ayşe's"),
    "son": ("Can", "Oğlunuz Can'ın", "Your son Can's"),
    "friend": ("Ümit", "Arkadaşınız Ümit'in", "Your friend Ümit's"),
    "other": ("Oya", "Yakınınız Oya'nın", "Oya's"),
}
# kind -> (Turkish: yours, theirs, on-the-day wish), (English noun, self greeting, relation greeting form)
KINDS: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    "birthday": (
        ("Doğum gününüz", "doğum günü", "kutlu olsun"),
        ("birthday", "Happy birthday!", "Today is {}: our best wishes!"),
    ),
    "wedding_anniversary": (
        ("Evlilik yıldönümünüz", "evlilik yıldönümü", "kutlu olsun"),
        ("wedding anniversary", "Happy anniversary!", "Today is {}: our best wishes!"),
    ),
    "new_job": (
        ("Yeni işiniz", "yeni işi", "hayırlı olsun"),
        ("new job", "Congratulations on your new job!", "Congratulations on {}!"),
    ),
    "graduation": (
        ("Mezuniyetiniz", "mezuniyeti", "kutlu olsun"),
        ("graduation", "Congratulations on your graduation!", "Congratulations on {}!"),
    ),
    "new_home": (
        ("Yeni eviniz", "yeni evi", "hayırlı olsun"),
        ("new home", "Congratulations on your new home!", "Congratulations on {}!"),
    ),
    "new_baby": (
        ("Yeni bebeğiniz", "yeni bebeği", "hayırlı olsun"),
        ("new baby", "Congratulations on your new baby!", "Congratulations on {}!"),
    ),
    "custom": (
        ("Özel gününüz", "özel günü", "kutlu olsun"),
        ("special day", "Best wishes on your special day!", "Today is {}: our best wishes!"),
    ),
}


def _expected(kind: str, for_whom: str, days_before: int, lang: str) -> str:
    (tr_yours, tr_theirs, wish), (en_noun, en_self, en_rel) = KINDS[kind]
    if lang == "tr":
        phrase = tr_yours if for_whom == "self" else f"{RELATIONS[for_whom][1]} {tr_theirs}"
        if days_before:
            return f"{phrase} yaklaşıyor: 9 Mayıs."
        if kind == "birthday" and for_whom == "self":
            return "Doğum gününüz kutlu olsun, iyi ki doğdunuz!"
        return f"{phrase} {wish}!"
    phrase = f"Your {en_noun}" if for_whom == "self" else f"{RELATIONS[for_whom][2]} {en_noun}"
    if days_before:
        return f"{phrase} is coming up on May 9."
    if for_whom == "self":
        return en_self
    return en_rel.format(phrase[0].lower() + phrase[1:] if phrase.startswith("Your") else phrase)


CASES = [
    (kind, for_whom, days_before, lang)
    for kind in KINDS
    for for_whom in ("self", *RELATIONS)
    for days_before in (3, 0)
    for lang in ("tr", "en")
]


def _occasion(kind: str, for_whom: str, days_before: int) -> dict[str, Any]:
    name = "" if for_whom == "self" else RELATIONS[for_whom][0]
    return {
        "kind": kind,
        "for_whom": for_whom,
        "relation_name": name,
        "occasion_on": DAY.isoformat(),
        "days_before": days_before,
    }


def _sentences_start_capitalised(text: str) -> None:
    for match in re.finditer(r"[.!?] +(?!https?://)(\S)", text):
        char = match.group(1)
        assert not char.islower(), f"lower case after a full stop or '!': {text!r}"


@pytest.mark.parametrize(("kind", "for_whom", "days_before", "lang"), CASES)
def test_every_occasion_kind_relation_and_day(kind: str, for_whom: str, days_before: int, lang: str) -> None:
    expected = _expected(kind, for_whom, days_before, lang)
    name = "" if for_whom == "self" else RELATIONS[for_whom][0]
    assert occasion_line(kind, for_whom, name, DAY, days_before, lang) == expected
    clause = expected if expected.startswith("Oya") else expected[0].lower() + expected[1:]
    for purpose in ("", PURPOSE):
        for coupon in ({}, COUPON):
            values = (
                SHOP | {"opt_out": OPT_OUT[lang], "purpose": purpose} | _occasion(kind, for_whom, days_before)
            )
            sms = render_message("occasion_reminder", lang, "sms", values | coupon).text
            assert sms.startswith(f"Köşe Kahvecisi: Ayşe, {clause}")
            assert (PURPOSE in sms) == bool(purpose) and ("7KQ4-MZ2H-XRA" in sms) == bool(coupon)
            assert sms.endswith(f"{SHOP['member_page_url']} {OPT_OUT[lang]}")
            assert " için doğum günü" not in sms and "siz için" not in sms and "for you" not in sms
            _sentences_start_capitalised(sms)
            # an occasion coupon with its purpose fits in 2 parts with Turkish letters as GSM-7 (155/149)
            assert sms_segments(sms, turkish=True).segments <= 2, sms
            email = render_message("occasion_reminder", lang, "email", values | coupon)
            assert expected in email.text and expected.replace("'", "&#39;") in email.html
            assert email.text.count(SHOP["member_page_url"]) == 1
            _sentences_start_capitalised(email.text)
            assert "yaklaşıyor" in email.subject if (lang == "tr" and days_before) else True


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("Elif", "Kızınız Elif'in"),
        ("Irmak", "Kızınız Irmak'ın"),
        ("Brkn", "Kızınızın (Brkn)"),  # no vowel: no suffix on the name
        ("Michelle", "Kızınızın (Michelle)"),  # a silent ending: no guess
    ],
)
def test_names_are_declined_or_left_alone(name: str, owner: str) -> None:
    assert occasion_line("birthday", "daughter", name, DAY, 0, "tr") == f"{owner} doğum günü kutlu olsun!"


def test_the_member_s_own_birthday_is_wished_only_on_the_day() -> None:
    before = render_message(
        "birthday_self", "tr", "sms", SHOP | {"opt_out": "RET"} | _occasion("birthday", "self", 3)
    )
    on_the_day = render_message(
        "birthday_self", "tr", "sms", SHOP | {"opt_out": "RET"} | _occasion("birthday", "self", 0)
    )
    assert (
        "iyi ki doğdunuz" not in before.text.lower() and "doğum gününüz yaklaşıyor: 9 Mayıs." in before.text
    )
    assert "iyi ki doğdunuz!" in on_the_day.text


HOLIDAYS = [
    (
        "kurban_bayrami",
        "Kurban Bayramı",
        "Eid al-Adha",
        "Kurban Bayramınız kutlu olsun!",
        "Happy Eid al-Adha!",
    ),
    (
        "ramazan_bayrami",
        "Ramazan Bayramı",
        "Eid al-Fitr",
        "Ramazan Bayramınız kutlu olsun!",
        "Happy Eid al-Fitr!",
    ),
    ("anneler_gunu", "Anneler Günü", "Mother's Day", "Anneler Gününüz kutlu olsun!", "Happy Mother's Day!"),
    ("yilbasi", "Yılbaşı", "New Year's Day", "Yeni yılınız kutlu olsun!", "Happy New Year!"),
]


@pytest.mark.parametrize(("key", "tr", "en", "tr_wish", "en_wish"), HOLIDAYS)
def test_holiday_greetings(key: str, tr: str, en: str, tr_wish: str, en_wish: str) -> None:
    assert holiday_greeting(key, tr, "tr") == tr_wish and holiday_greeting(key, en, "en") == en_wish


def test_holiday_names_as_people_say_them() -> None:
    assert spoken_holiday("ramazan_bayrami_arife", "Ramazan Bayramı (saat 13.00'ten)", "tr") == (
        "Ramazan Bayramı Arifesi"
    )
    assert spoken_holiday("kurban_bayrami_arife", "Eid al-Adha (from 1pm)", "en") == "the eve of Eid al-Adha"
    assert spoken_holiday("zafer_bayrami", "Zafer Bayramı", "tr") == "Zafer Bayramı"
    assert spoken_holiday("x", "Something (estimated)", "en") == "Something"


CAMPAIGN = SHOP | COUPON


@pytest.mark.parametrize(
    ("lang", "holiday", "expected"),
    [
        (
            "tr",
            {"holiday_name": "Kurban Bayramı", "holiday_greeting": "Kurban Bayramınız kutlu olsun!"},
            "Köşe Kahvecisi: Ayşe, Kurban Bayramı için size özel %15 indirim kodunuz: 7KQ4-MZ2H-XRA,"
            " son gün 12 Mayıs."
            " SMS almamak için RET yazıp yanıtlayın.",
        ),
        (
            "tr",
            {
                "holiday_name": "Kurban Bayramı",
                "holiday_greeting": "Kurban Bayramınız kutlu olsun!",
                "on_the_day": True,
            },
            "Köşe Kahvecisi: Ayşe, Kurban Bayramınız kutlu olsun! %15 indirim kodunuz: 7KQ4-MZ2H-XRA,"
            " son gün 12 Mayıs."
            " SMS almamak için RET yazıp yanıtlayın.",
        ),
        (
            "tr",
            {},  # a date campaign: no holiday
            "Köşe Kahvecisi: Ayşe, size özel %15 indirim kodunuz: 7KQ4-MZ2H-XRA, son gün 12 Mayıs."
            " SMS almamak için RET yazıp yanıtlayın.",
        ),
        (
            "en",
            {"holiday_name": "Eid al-Adha", "holiday_greeting": "Happy Eid al-Adha!"},
            "Köşe Kahvecisi: Ayşe, for Eid al-Adha, your 15% off code: 7KQ4-MZ2H-XRA, valid through May 12."
            " Reply STOP to opt out.",
        ),
        (
            "en",
            {"holiday_name": "Eid al-Adha", "holiday_greeting": "Happy Eid al-Adha!", "on_the_day": True},
            "Köşe Kahvecisi: Happy Eid al-Adha, Ayşe! Your 15% off code: 7KQ4-MZ2H-XRA, valid through May 12."
            " Reply STOP to opt out.",
        ),
        (
            "en",
            {},
            "Köşe Kahvecisi: Ayşe, your 15% off code: 7KQ4-MZ2H-XRA, valid through May 12."
            " Reply STOP to opt out.",
        ),
    ],
)
def test_campaign_coupons_fit_one_part(lang: str, holiday: dict[str, Any], expected: str) -> None:
    sms = render_message("holiday_coupon", lang, "sms", CAMPAIGN | {"opt_out": OPT_OUT[lang]} | holiday).text
    assert sms == expected
    assert sms_segments(sms, turkish=True).segments == 1
    email = render_message("holiday_coupon", lang, "email", CAMPAIGN | holiday)
    _sentences_start_capitalised(email.text)
    assert email.text.count(SHOP["member_page_url"]) == 1 and "7KQ4-MZ2H-XRA" in email.html


def test_welcome_and_opt_out_confirmation() -> None:
    card = {"card_number": "900000000000017", "holder_name": "Ayşe Yılmaz"}
    tr = render_message("card_welcome", "tr", "email", SHOP | card)
    en = render_message("card_welcome", "en", "email", SHOP | card)
    assert (
        tr.subject == "Ayşe, Köşe Kahvecisi kartınız hazır"
        and en.subject == "Ayşe, your Köşe Kahvecisi card is ready"
    )
    for email in (tr, en):  # one page link, in the footer
        assert (
            email.text.count(SHOP["member_page_url"]) == 1 and email.html.count(SHOP["member_page_url"]) == 1
        )
    assert render_message("sms_opt_out_confirmation", "tr", "sms", SHOP).text == (
        "Köşe Kahvecisi: SMS listemizden çıktınız, size artık kampanya SMS'i göndermeyeceğiz. Yeniden almak"
        " isterseniz BAŞLA yazıp yanıtlayın. Sayfanız: https://kosekahvecisi.com.tr/m/Xk3aB9dE2fGh"
    )
    assert render_message("sms_opt_out_confirmation", "en", "sms", SHOP).text.startswith(
        "Köşe Kahvecisi: You have left our SMS list; we will send you no more offers by text. Reply START"
    )


DOC = Path(__file__).resolve().parents[2] / "docs" / "messages.md"


def test_the_reviewers_list_is_current() -> None:
    """docs/messages.md is the rendered list a reviewer reads: re-rendered here, it must not differ."""
    assert DOC.read_text(encoding="utf-8") == reviewers_list(), (
        "run: python -m loyalty.messaging.samples > docs/messages.md"
    )
