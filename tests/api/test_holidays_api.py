"""HTTP: the holiday calendar and store days."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_holidays_2026_turkish_and_english(client: TestClient, staff: dict[str, str]) -> None:
    tr = client.get("/api/v1/holidays?year=2026&country=TR&lang=tr", headers=staff)
    assert tr.status_code == 200, tr.text
    by_key = {h["key"]: h for h in tr.json()}
    assert by_key["ramazan_bayrami"] == {
        "key": "ramazan_bayrami",
        "name": "Ramazan Bayramı",
        "date": "2026-03-20",
        "days": 3,
        "kind": "public",
        "estimated": False,
    }
    assert by_key["kurban_bayrami_arife"]["date"] == "2026-05-26"
    assert by_key["anneler_gunu"]["kind"] == "commercial" and by_key["anneler_gunu"]["date"] == "2026-05-10"
    dates = [h["date"] for h in tr.json()]
    assert dates == sorted(dates)

    en = {h["key"]: h for h in client.get("/api/v1/holidays?year=2026&lang=en", headers=staff).json()}
    assert en["kurban_bayrami"]["name"] == "Eid al-Adha" and en.keys() == by_key.keys()


def test_defaults_and_errors(client: TestClient, staff: dict[str, str]) -> None:
    default = client.get("/api/v1/holidays", headers=staff)
    assert default.status_code == 200 and any(h["key"] == "yilbasi" for h in default.json())
    bad_country = client.get("/api/v1/holidays?year=2026&country=XX", headers=staff)
    assert bad_country.status_code == 422 and bad_country.json()["detail"][0]["loc"][-1] == "country"
    bad_lang = client.get("/api/v1/holidays?year=2026&lang=de", headers=staff)
    assert bad_lang.status_code == 422 and bad_lang.json()["detail"][0]["loc"][-1] == "lang"
    assert client.get("/api/v1/holidays?year=3000", headers=staff).status_code == 422
    assert client.get("/api/v1/holidays").status_code == 401
    estimated = {h["key"]: h for h in client.get("/api/v1/holidays?year=2035", headers=staff).json()}
    assert estimated["kurban_bayrami"]["estimated"] is True


def test_store_days(client: TestClient, staff: dict[str, str], marketing: dict[str, str]) -> None:
    body = {"name_tr": "Dükkanın 10. Yılı", "name_en": "Shop's 10th year", "month": 6, "day": 1, "year": 2027}
    assert client.post("/api/v1/holidays/store-days", json=body, headers=staff).status_code == 403
    created = client.post("/api/v1/holidays/store-days", json=body, headers=marketing)
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert key == "dukkanin_10_yili"
    assert client.post("/api/v1/holidays/store-days", json=body, headers=marketing).status_code == 409

    listed = client.get("/api/v1/holidays/store-days", headers=staff).json()
    assert [d["key"] for d in listed] == [key]
    in_2027 = {h["key"]: h for h in client.get("/api/v1/holidays?year=2027&lang=en", headers=staff).json()}
    assert in_2027[key] == {
        "key": key,
        "name": "Shop's 10th year",
        "date": "2027-06-01",
        "days": 1,
        "kind": "store",
        "estimated": False,
    }
    assert key not in {h["key"] for h in client.get("/api/v1/holidays?year=2026", headers=staff).json()}

    bad = client.post("/api/v1/holidays/store-days", json=body | {"day": 31}, headers=marketing)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "day"

    assert client.delete(f"/api/v1/holidays/store-days/{key}", headers=marketing).status_code == 204
    assert client.delete(f"/api/v1/holidays/store-days/{key}", headers=marketing).status_code == 404
    assert client.get("/api/v1/holidays/store-days", headers=staff).json() == []
