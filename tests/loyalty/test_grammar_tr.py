"""The Turkish grammar on its own: genitive and possessive suffixes, vowel harmony, buffer consonants, the
apostrophe after names, and no suffix when the grammar cannot be sure."""

import pytest

from loyalty.core.grammar_tr import Noun, genitive, genitive_name, lower_tr, upper_first_tr


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Elif", "Elif'in"),  # front unrounded, consonant
        ("Can", "Can'ın"),  # back unrounded
        ("Ayşe", "Ayşe'nin"),  # vowel ending: buffer n
        ("Ümit", "Ümit'in"),
        ("Oya", "Oya'nın"),
        ("Uğur", "Uğur'un"),  # back rounded
        ("Gül", "Gül'ün"),  # front rounded
        ("Özlem", "Özlem'in"),
        ("Burcu", "Burcu'nun"),
        ("Ömür", "Ömür'ün"),
        ("Ali", "Ali'nin"),
        ("Tolga", "Tolga'nın"),
        ("Onur", "Onur'un"),
        ("Ece", "Ece'nin"),
        ("Enes", "Enes'in"),
        ("Irmak", "Irmak'ın"),  # dotless capital I, no softening on a name
        ("İpek", "İpek'in"),  # dotted capital İ
        ("Kemal", "Kemal'in"),  # palatal l
        ("Hilal", "Hilal'in"),
        ("Ayşe Nur", "Ayşe Nur'un"),  # the last word declines
        ("  Can  ", "Can'ın"),
    ],
)
def test_genitive_of_names(name: str, expected: str) -> None:
    assert genitive_name(name) == expected


@pytest.mark.parametrize("name", ["Brkn", "Ng", "Michelle", "Jacques", "Renault", "Hugh", "Zoë", "José", ""])
def test_no_suffix_when_unsure(name: str) -> None:
    assert genitive_name(name) is None


@pytest.mark.parametrize(
    ("noun", "possessed", "yours"),
    [
        (Noun("gün", "doğum "), "doğum günü", "doğum gününüz"),
        (Noun("yıldönüm", "evlilik "), "evlilik yıldönümü", "evlilik yıldönümünüz"),
        (Noun("iş", "yeni "), "yeni işi", "yeni işiniz"),
        (Noun("mezuniyet"), "mezuniyeti", "mezuniyetiniz"),
        (Noun("ev", "yeni "), "yeni evi", "yeni eviniz"),
        (Noun("bebek", "yeni ", softens=True), "yeni bebeği", "yeni bebeğiniz"),
        (Noun("gün", "özel "), "özel günü", "özel gününüz"),
        (Noun("anne"), "annesi", "anneniz"),
        (Noun("kutu"), "kutusu", "kutunuz"),
        (Noun("kitap", softens=True), "kitabı", "kitabınız"),
    ],
)
def test_possessives(noun: Noun, possessed: str, yours: str) -> None:
    assert noun.possessed() == possessed
    assert noun.yours() == yours


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("anneniz", "annenizin"),
        ("oğlunuz", "oğlunuzun"),
        ("kız kardeşiniz", "kız kardeşinizin"),
        ("eşiniz", "eşinizin"),
        ("babanız", "babanızın"),
        ("dede", "dedenin"),
        ("torun", "torunun"),
    ],
)
def test_genitive_of_common_words(word: str, expected: str) -> None:
    assert genitive(word) == expected


def test_turkish_case() -> None:
    assert lower_tr("IRMAK İPEK") == "ırmak ipek"
    assert upper_first_tr("iyi ki doğdunuz") == "İyi ki doğdunuz"
    assert upper_first_tr("ırmak") == "Irmak"
    assert upper_first_tr("oğlunuz") == "Oğlunuz"
    assert upper_first_tr("") == ""


def test_no_vowel_is_an_error_for_common_words() -> None:
    with pytest.raises(ValueError):
        Noun("krş").yours()
