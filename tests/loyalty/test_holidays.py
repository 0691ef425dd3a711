"""The holiday calendar: Turkish bayram dates, stable keys in both languages, commercial and store days."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.holidays.calendar import holiday_date, holiday_dates, holidays_for
from loyalty.holidays.keys import slugify
from loyalty.holidays.schemas import HolidayInfo, StoreDayCreate
from loyalty.holidays.store_days import add_store_day, delete_store_day


def _by_key(year: int, lang: str = "tr", country: str = "TR") -> dict[str, HolidayInfo]:
    entries = holidays_for(year, country, lang)
    keys = [h.key for h in entries]
    assert len(keys) == len(set(keys)), keys
    return {h.key: h for h in entries}


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_2026_bayrams_with_their_arife(lang: str) -> None:
    found = _by_key(2026, lang)
    ramazan, ramazan_eve = found["ramazan_bayrami"], found["ramazan_bayrami_arife"]
    kurban, kurban_eve = found["kurban_bayrami"], found["kurban_bayrami_arife"]
    assert (ramazan.date, ramazan.days) == (date(2026, 3, 20), 3)
    assert (ramazan_eve.date, ramazan_eve.days) == (date(2026, 3, 19), 1)
    assert (kurban.date, kurban.days) == (date(2026, 5, 27), 4)
    assert kurban_eve.date == date(2026, 5, 26)
    assert found["cumhuriyet_bayrami_arife"].date == date(2026, 10, 28)
    # as people say them, never the package's half-day label
    names = {"tr": "Ramazan Bayramı Arifesi", "en": "the eve of Eid al-Fitr"}
    assert ramazan_eve.name == names[lang] and "(" not in kurban_eve.name
    assert all(not h.estimated for h in found.values())
    assert {h.kind for h in found.values()} == {"public", "commercial"}


def test_names_in_both_languages_same_keys() -> None:
    tr, en = _by_key(2026, "tr"), _by_key(2026, "en")
    assert tr.keys() == en.keys()
    assert tr["kurban_bayrami"].name == "Kurban Bayramı"
    assert en["kurban_bayrami"].name == "Eid al-Adha"
    assert tr["yilbasi"].name == "Yılbaşı" and en["yilbasi"].name == "New Year's Day"
    assert tr["anneler_gunu"].name == "Anneler Günü" and en["anneler_gunu"].name == "Mother's Day"
    assert {
        "yilbasi",
        "ulusal_egemenlik_ve_cocuk_bayrami",
        "emek_ve_dayanisma_gunu",
        "ataturku_anma_genclik_ve_spor_bayrami",
        "demokrasi_ve_milli_birlik_gunu",
        "zafer_bayrami",
        "cumhuriyet_bayrami",
    } <= tr.keys()


def test_2027_bayrams_move_and_a_shared_day_is_split() -> None:
    """19 May 2027 is both Atatürk'ü Anma and the last day of Kurban Bayramı ("; "-joined by the package)."""
    found = _by_key(2027)
    assert (found["ramazan_bayrami"].date, found["ramazan_bayrami"].days) == (date(2027, 3, 9), 3)
    assert found["ramazan_bayrami_arife"].date == date(2027, 3, 8)
    assert (found["kurban_bayrami"].date, found["kurban_bayrami"].days) == (date(2027, 5, 16), 4)
    assert found["kurban_bayrami_arife"].date == date(2027, 5, 15)
    assert found["ataturku_anma_genclik_ve_spor_bayrami"].date == date(2027, 5, 19)
    assert found["ataturku_anma_genclik_ve_spor_bayrami"].name == "Atatürk'ü Anma, Gençlik ve Spor Bayramı"


def test_estimated_dates_are_flagged_and_names_kept_clean() -> None:
    found = _by_key(2035)
    assert found["kurban_bayrami"].estimated and found["ramazan_bayrami_arife"].estimated
    assert found["kurban_bayrami"].name == "Kurban Bayramı"
    assert not found["cumhuriyet_bayrami"].estimated


def test_an_islamic_holiday_can_fall_twice_in_a_year() -> None:
    assert holiday_dates("ramazan_bayrami", 2033) == [date(2033, 1, 2), date(2033, 12, 23)]
    assert holiday_date("ramazan_bayrami", 2033) == date(2033, 1, 2)


@pytest.mark.parametrize(
    ("key", "year", "expected"),
    [
        ("anneler_gunu", 2026, date(2026, 5, 10)),
        ("anneler_gunu", 2027, date(2027, 5, 9)),
        ("babalar_gunu", 2026, date(2026, 6, 21)),
        ("babalar_gunu", 2027, date(2027, 6, 20)),
        ("sevgililer_gunu", 2027, date(2027, 2, 14)),
        ("ogretmenler_gunu", 2026, date(2026, 11, 24)),
        ("kadinlar_gunu", 2026, date(2026, 3, 8)),
        ("kurban_bayrami", 2026, date(2026, 5, 27)),
        ("kurban_bayrami_arife", 2027, date(2027, 5, 15)),
        ("cumhuriyet_bayrami", 1990, date(1990, 10, 29)),
    ],
)
def test_holiday_date_by_stable_key(key: str, year: int, expected: date) -> None:
    assert holiday_date(key, year) == expected


def test_keys_are_stable_across_many_years() -> None:
    for year in range(2020, 2041):
        keys = {h.key for h in holidays_for(year)}
        assert {
            "ramazan_bayrami",
            "kurban_bayrami",
            "kurban_bayrami_arife",
            "yilbasi",
            "anneler_gunu",
        } <= keys
    # pre-1981 wording ("National Sovereignty Day", "Youth and Sports Day") keeps today's keys
    old = {h.key for h in holidays_for(1975)}
    assert {"ulusal_egemenlik_ve_cocuk_bayrami", "ataturku_anma_genclik_ve_spor_bayrami"} <= old


def test_other_countries_get_slugified_english_keys() -> None:
    us = {h.key: h for h in holidays_for(2026, "US", "en")}
    assert us["independence_day"].date == date(2026, 7, 4)
    assert us["thanksgiving_day"].date == date(2026, 11, 26)
    assert not any(h.kind == "commercial" for h in us.values())
    de_keys = {h.key for h in holidays_for(2026, "de", "tr")}  # no Turkish names: English ones, same keys
    assert {"good_friday", "easter_monday"} <= de_keys


def test_unknown_country_lang_key() -> None:
    with pytest.raises(Invalid) as country:
        holidays_for(2026, "XX")
    assert country.value.field == "country"
    with pytest.raises(Invalid) as lang:
        holidays_for(2026, "TR", "fr")
    assert lang.value.field == "lang"
    with pytest.raises(NotFound):
        holiday_date("no_such_day", 2026)


def test_slugify_turkish() -> None:
    assert slugify("Atatürk'ü Anma, Gençlik ve Spor Bayramı") == "ataturku_anma_genclik_ve_spor_bayrami"
    assert slugify("IŞIK Şöleni") == "isik_soleni"


def test_store_days_yearly_one_off_and_feb_29(session: Session) -> None:
    yearly = add_store_day(
        session,
        StoreDayCreate(name_tr="Dükkanın Yıldönümü", name_en="Shop anniversary", month=9, day=15),
        actor="user:m",
    )
    assert yearly.key == "dukkanin_yildonumu"
    add_store_day(
        session,
        StoreDayCreate(key="acilis_2027", name_tr="Yeni Şube Açılışı", month=4, day=2, year=2027),
        actor="user:m",
    )
    add_store_day(
        session,
        StoreDayCreate(key="artik_gun", name_tr="Artık Gün İndirimi", month=2, day=29),
        actor="user:m",
    )

    y2026 = {h.key: h for h in holidays_for(2026, session=session)}
    y2027 = {h.key: h for h in holidays_for(2027, lang="en", session=session)}
    assert y2026["dukkanin_yildonumu"].kind == "store" and y2026["dukkanin_yildonumu"].date == date(
        2026, 9, 15
    )
    assert y2027["dukkanin_yildonumu"].name == "Shop anniversary"
    assert "acilis_2027" not in y2026 and y2027["acilis_2027"].date == date(2027, 4, 2)
    assert y2027["acilis_2027"].name == "Yeni Şube Açılışı"  # no English name: the Turkish one
    assert y2026["artik_gun"].date == date(2026, 2, 28)
    assert holiday_date("artik_gun", 2028, session=session) == date(2028, 2, 29)
    assert holiday_date("dukkanin_yildonumu", 2030, session=session) == date(2030, 9, 15)

    delete_store_day(session, "acilis_2027")
    assert "acilis_2027" not in {h.key for h in holidays_for(2027, session=session)}
    with pytest.raises(NotFound):
        delete_store_day(session, "acilis_2027")


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"name_tr": "Yıldönümü", "month": 2, "day": 30}, Invalid, "day"),
        ({"name_tr": "Yıldönümü", "month": 2, "day": 29, "year": 2027}, Invalid, "day"),
        ({"name_tr": "Yıldönümü", "month": 13, "day": 1}, Invalid, "month"),
        ({"name_tr": "  ", "month": 1, "day": 1}, Invalid, "name_tr"),
        ({"name_tr": "X", "key": "Bad Key!", "month": 1, "day": 1}, Invalid, "key"),
        ({"name_tr": "Kurban", "key": "kurban_bayrami", "month": 1, "day": 1}, Conflict, None),
        ({"name_tr": "Anneler", "key": "anneler_gunu", "month": 1, "day": 1}, Conflict, None),
    ],
)
def test_store_day_validation(
    session: Session, fields: dict[str, object], error: type[Exception], field: str | None
) -> None:
    with pytest.raises(error) as raised:
        add_store_day(session, StoreDayCreate(**fields), actor="user:m")  # type: ignore[arg-type]
    if field is not None:
        assert raised.value.field == field


def test_store_day_key_unique(session: Session) -> None:
    add_store_day(session, StoreDayCreate(name_tr="Yıldönümü", month=1, day=5), actor="user:m")
    with pytest.raises(Conflict):
        add_store_day(session, StoreDayCreate(name_tr="Yıldönümü", month=3, day=5), actor="user:m")
