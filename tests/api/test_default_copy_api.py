"""The shop's default campaign words, edited by an admin, used by a campaign without its own words."""

from datetime import date

from fastapi.testclient import TestClient


def test_admin_sets_the_shops_default_words(
    client: TestClient, admin: dict[str, str], marketing: dict[str, str]
) -> None:
    words = {"tr": {"sms": "{ad}, size özel {indirim}: {kod}"}}
    assert (
        client.put("/api/v1/shop/message-copy", json={"message_copy": words}, headers=marketing).status_code
        == 403
    )
    bad = client.put(
        "/api/v1/shop/message-copy", json={"message_copy": {"tr": {"sms": "{ad} {xyz}"}}}, headers=admin
    )
    assert bad.status_code == 422 and "{xyz}" in bad.json()["detail"][0]["msg"]
    saved = client.put("/api/v1/shop/message-copy", json={"message_copy": words}, headers=admin)
    assert saved.status_code == 200 and saved.json()["message_copy"] == words
    assert client.get("/api/v1/shop/message-copy", headers=marketing).json()["message_copy"] == words

    body = {
        "name": "Kış",
        "trigger": {"type": "date", "send_at": f"{date.today().year + 1}-12-02T10:00"},
        "offer": {"kind": "percent", "value": "10", "valid_days": 7},
        "channel": "sms",
        "draft": True,
    }
    created = client.post("/api/v1/campaigns", json=body, headers=marketing)
    assert created.status_code == 201, created.text
    preview = client.post(f"/api/v1/campaigns/{created.json()['id']}/preview", headers=marketing).json()
    tr = next(s for s in preview["samples"] if s["locale"] == "tr")
    en = next(s for s in preview["samples"] if s["locale"] == "en")
    assert tr["text"].startswith("Köşe Kahvecisi: Ayşe, size özel %10 indirim: ")
    assert tr["text"].endswith("SMS almamak için RET yazıp yanıtlayın.")
    assert "here is" not in en["text"] and "your 10% off code" in en["text"]  # English keeps the template
    # the campaign's own words win
    own = {"tr": {"sms": "Kış geldi {ad}! {kod}"}}
    assert (
        client.put(
            f"/api/v1/campaigns/{created.json()['id']}/copy", json={"message_copy": own}, headers=marketing
        ).status_code
        == 200
    )
    preview = client.post(f"/api/v1/campaigns/{created.json()['id']}/preview", headers=marketing).json()
    tr = next(s for s in preview["samples"] if s["locale"] == "tr")
    assert tr["text"].startswith("Köşe Kahvecisi: Kış geldi Ayşe! ")
