"""Card endpoints: the member's card, scan, PDF card, print sheet; check-digit 422s and roles."""

from __future__ import annotations

import subprocess

from fastapi.testclient import TestClient
from sqlmodel import Session

from loyalty.cards.numbers import format_card_number, new_card_number
from loyalty.models.cards import Card, CardStatus
from tests.builders import make_member


def _card(session: Session, name: str = "Ayşe Yılmaz", status: CardStatus = CardStatus.active) -> Card:
    member = make_member(session, name)
    card = Card(member_id=member.id or 0, number=new_card_number(), holder_name=name, status=status)
    session.add(card)
    session.flush()
    return card


def _typo(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_member_card_is_404_until_earned(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    member = make_member(session)
    assert client.get(f"/api/v1/members/{member.id}/card", headers=marketing).status_code == 404
    card = _card(session)
    got = client.get(f"/api/v1/members/{card.member_id}/card", headers=marketing)
    assert got.status_code == 200
    body = got.json()
    assert {k: body[k] for k in ("number", "holder_name", "status")} == {
        "number": card.number,
        "holder_name": "Ayşe Yılmaz",
        "status": "active",
    }
    assert body["issued_at"] and body["number_display"] == format_card_number(card.number)


def test_scan_by_grouped_number_returns_card_and_member(
    client: TestClient, session: Session, marketing: dict[str, str]
) -> None:
    card = _card(session, "İsmail Çelik")
    response = client.get(f"/api/v1/cards/{format_card_number(card.number)}", headers=marketing)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["card"]["number"] == card.number and body["member"]["full_name"] == "İsmail Çelik"
    assert body["member"]["id"] == card.member_id and body["active_coupons"] == []


def test_a_mistyped_number_is_422_check_digit_not_404(
    client: TestClient, session: Session, staff: dict[str, str]
) -> None:
    card = _card(session)
    for url in (f"/api/v1/cards/{_typo(card.number)}", f"/api/v1/cards/{_typo(card.number)}/pdf"):
        response = client.get(url, headers=staff)
        assert response.status_code == 422, response.text
        assert "check digit" in response.json()["detail"][0]["msg"]
    assert client.get(f"/api/v1/cards/{new_card_number()}", headers=staff).status_code == 404
    assert client.get("/api/v1/cards/1234", headers=staff).status_code == 422


def test_card_pdf_download(client: TestClient, session: Session, staff: dict[str, str], settings) -> None:  # type: ignore[no-untyped-def]
    card = _card(session, "<b>Ayşe</b> Güler")
    response = client.get(f"/api/v1/cards/{card.number}/pdf", headers=staff)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="card-{card.number}.pdf"'
    text = _text(response.content)
    assert (
        "<b>Ayşe</b> Güler" in text and format_card_number(card.number) in text and settings.shop_name in text
    )


def test_print_sheet(client: TestClient, session: Session, staff: dict[str, str]) -> None:
    cards = [_card(session, f"Üye {i}") for i in range(10)]
    response = client.post("/api/v1/cards/sheet", json={"numbers": [c.number for c in cards]}, headers=staff)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    text = _text(response.content)
    assert all(format_card_number(c.number) in text for c in cards)


def test_print_sheet_validation(client: TestClient, session: Session, staff: dict[str, str]) -> None:
    card = _card(session)
    held = _card(session, status=CardStatus.pending_review)
    url = "/api/v1/cards/sheet"
    for body in ({"numbers": []}, {"numbers": [card.number] * 11}, {}):
        response = client.post(url, json=body, headers=staff)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "numbers", (
            response.text
        )
    typo = client.post(url, json={"numbers": [card.number, _typo(card.number)]}, headers=staff)
    assert typo.status_code == 422 and "#2" in typo.json()["detail"][0]["msg"]
    assert "check digit" in typo.json()["detail"][0]["msg"]
    assert client.post(url, json={"numbers": [new_card_number()]}, headers=staff).status_code == 404
    assert client.post(url, json={"numbers": [held.number]}, headers=staff).status_code == 409


def test_roles(
    client: TestClient, session: Session, marketing: dict[str, str], admin: dict[str, str]
) -> None:
    card = _card(session, status=CardStatus.pending_review)
    assert client.get(f"/api/v1/cards/{card.number}").status_code == 401
    assert client.get(f"/api/v1/cards/{card.number}", headers=marketing).status_code == 200
    assert client.get(f"/api/v1/cards/{card.number}/pdf", headers=marketing).status_code == 403
    sheet = client.post("/api/v1/cards/sheet", json={"numbers": [card.number]}, headers=marketing)
    assert sheet.status_code == 403
    assert client.post(f"/api/v1/cards/{card.number}/approve", headers=marketing).status_code == 403
    assert client.post(f"/api/v1/cards/{card.number}/approve", headers=admin).json()["status"] == "active"
    assert client.get(f"/api/v1/cards/{card.number}/pdf", headers=admin).status_code == 200
