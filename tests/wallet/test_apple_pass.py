"""GET /m/{key}/card.pkpass: a signed store card carrying what the counter scans, the coupons, the next
occasion and the stores; a replaced or erased card's pass is served voided (issue 23, points 1 and 4)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from loyalty.cards.numbers import new_card_number
from loyalty.cards.review import replace_card
from loyalty.cards.welcome import queue_card_welcome
from loyalty.core.clock import utcnow
from loyalty.core.settings import Settings
from loyalty.delivery.render import render_outgoing
from loyalty.members.erasure import erase_member
from loyalty.members.links import page_link_key
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Channel, Member
from loyalty.models.messages import Message
from loyalty.models.occasions import Occasion
from loyalty.wallet.apple import signed_pass
from loyalty.wallet.passes import pass_by_serial
from loyalty.wallet.pkpass import MEDIA_TYPE
from tests.builders import make_coupon, make_member, make_store
from tests.wallet.certs import PASS_TYPE_ID, TEAM_ID, PassCertificates
from tests.wallet.pass_files import check_pass


def carded(session: Session, name: str = "Ayşe Yılmaz", locale: str = "tr") -> tuple[Member, Card, str]:
    """A member with an active card and her page's key."""
    member = make_member(session, name, locale=locale)
    card = Card(
        member_id=member.id or 0, number=new_card_number(), holder_name=name, status=CardStatus.active
    )
    session.add(card)
    session.flush()
    return member, card, page_link_key(session, member, issued=utcnow())


def test_the_pass_verifies_and_carries_the_number_the_counter_scans(
    client: TestClient,
    session: Session,
    staff: dict[str, str],
    pass_certificates: PassCertificates,
    tmp_path: Path,
) -> None:
    member, card, key = carded(session)
    make_coupon(session, member, value="15")
    session.add(
        Occasion(
            member_id=member.id or 0,
            kind="birthday",
            for_whom="daughter",
            relation_name="Elif",
            purpose="kızımın doğum günü",
            month=5,
            day=9,
            recurrence="yearly",
            stated_by="member",
        )
    )
    store = make_store(session, name="Kadıköy")
    store.latitude, store.longitude = 40.9903, 29.0290
    make_store(session, name="Beşiktaş")  # no coordinates: not a location
    session.flush()

    response = client.get(f"/m/{key}/card.pkpass")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    document = check_pass(response.content, pass_certificates.root, pass_certificates.wwdr, tmp_path)

    assert document["passTypeIdentifier"] == PASS_TYPE_ID and document["teamIdentifier"] == TEAM_ID
    assert document["organizationName"] == "Köşe Kahvecisi"
    assert document["webServiceURL"] == "http://testserver/api/v1/wallet"
    assert len(document["authenticationToken"]) >= 16
    assert "voided" not in document
    barcode = document["barcodes"][0]
    assert barcode["format"] == "PKBarcodeFormatQR"
    scanned = client.get(f"/api/v1/cards/{barcode['message']}", headers=staff)  # what the counter does
    assert scanned.status_code == 200, scanned.text
    assert scanned.json()["member"]["id"] == member.id
    assert barcode["message"] == card.number

    front = document["storeCard"]
    assert front["primaryFields"][0]["value"] == "Ayşe Yılmaz"
    assert front["secondaryFields"][0]["value"].replace(" ", "") == card.number
    back = {field["key"]: field for field in front["backFields"]}
    assert back["coupons"]["label"] == "Kuponlarınız"
    assert "%15 indirim" in back["coupons"]["value"]
    assert back["occasion"]["value"].startswith("Kızınız Elif'in doğum günü · 9 Mayıs")
    assert back["stores"]["value"] == "Kadıköy"
    assert document["locations"] == [
        {"latitude": 40.9903, "longitude": 29.029, "relevantText": "Kadıköy yakınındasınız: kartınız hazır."}
    ]
    # the same pass (serial and token) on a second download
    again = check_pass(
        client.get(f"/m/{key}/card.pkpass").content, pass_certificates.root, pass_certificates.wwdr, tmp_path
    )
    assert (again["serialNumber"], again["authenticationToken"]) == (
        document["serialNumber"],
        document["authenticationToken"],
    )


def test_the_pass_speaks_the_members_language(
    client: TestClient, session: Session, pass_certificates: PassCertificates, tmp_path: Path
) -> None:
    _member, _card, key = carded(session, "John Smith", locale="en")
    document = check_pass(
        client.get(f"/m/{key}/card.pkpass").content, pass_certificates.root, pass_certificates.wwdr, tmp_path
    )
    back = {field["key"]: field for field in document["storeCard"]["backFields"]}
    assert back["coupons"] == {
        "key": "coupons",
        "label": "Your coupons",
        "value": "You have no active coupons right now.",
    }
    assert document["description"] == "Köşe Kahvecisi loyalty card"


def test_no_card_no_pass_and_a_held_card_is_not_given(client: TestClient, session: Session) -> None:
    member = make_member(session)
    key = page_link_key(session, member, issued=utcnow())
    assert client.get(f"/m/{key}/card.pkpass").status_code == 404
    session.add(
        Card(
            member_id=member.id or 0,
            number=new_card_number(),
            holder_name="A",
            status=CardStatus.pending_review,
        )
    )
    session.flush()
    assert client.get(f"/m/{key}/card.pkpass").status_code == 409
    assert client.get("/m/AAAAAAAAAAAA/card.pkpass").status_code == 404


def served(
    session: Session, settings: Settings, serial: str, certificates: PassCertificates, folder: Path
) -> dict[str, Any]:
    """The pass as the web service serves it now (checked: hashes, signature, required fields)."""
    found = pass_by_serial(session, serial)
    assert found is not None
    return check_pass(
        signed_pass(session, found, settings, utcnow()), certificates.root, certificates.wwdr, folder
    )


def test_a_replaced_or_erased_card_is_served_voided(
    client: TestClient,
    session: Session,
    settings: Settings,
    pass_certificates: PassCertificates,
    tmp_path: Path,
) -> None:
    member, card, key = carded(session)
    first = check_pass(
        client.get(f"/m/{key}/card.pkpass").content, pass_certificates.root, pass_certificates.wwdr, tmp_path
    )
    new = replace_card(session, card.number, "lost", actor_user_id=None)
    voided = served(session, settings, first["serialNumber"], pass_certificates, tmp_path)
    assert voided["voided"] is True
    assert voided["barcodes"][0]["message"] == card.number
    assert voided["storeCard"]["backFields"][0]["key"] == "voided"

    # the page now gives the new card's pass: another serial, not voided
    fresh = check_pass(
        client.get(f"/m/{key}/card.pkpass").content, pass_certificates.root, pass_certificates.wwdr, tmp_path
    )
    assert fresh["barcodes"][0]["message"] == new.number and "voided" not in fresh
    assert fresh["serialNumber"] != first["serialNumber"]

    erase_member(session, member.id or 0, actor="user:test")
    gone = served(session, settings, fresh["serialNumber"], pass_certificates, tmp_path)
    assert gone["voided"] is True
    assert "Ayşe" not in json.dumps(gone, ensure_ascii=False)  # an erased member's name is not served again


@pytest.mark.parametrize(
    ("locale", "words"), [("tr", "Apple Cüzdan'a ekleyin"), ("en", "Add your card to Apple Wallet")]
)
def test_the_card_welcome_e_mail_links_the_pass(
    client: TestClient,
    session: Session,
    settings: Settings,
    pass_certificates: PassCertificates,
    tmp_path: Path,
    locale: str,
    words: str,
) -> None:
    member, card, _key = carded(session, locale=locale)
    member.email, member.email_opt_in = "ayse@example.com", True
    session.add(member)
    assert queue_card_welcome(session, card.id or 0) == 1
    message = session.exec(select(Message).where(Message.card_id == card.id)).one()
    out = render_outgoing(session, message, member, Channel.email, settings)
    link = re.search(r"https?://\S+/card\.pkpass", out.text)
    assert link is not None and words in out.text and words in out.html
    assert f'href="{link.group(0)}"' in out.html
    served = client.get(link.group(0).removeprefix("http://testserver"))  # the link the member follows
    document = check_pass(served.content, pass_certificates.root, pass_certificates.wwdr, tmp_path)
    assert document["barcodes"][0]["message"] == card.number
    # without a pass certificate the welcome says nothing of a wallet
    plain = render_outgoing(
        session, message, member, Channel.email, settings.model_copy(update={"apple_pass_type_id": ""})
    )
    assert "pkpass" not in plain.text and "pkpass" not in plain.html


def test_a_store_given_coordinates_becomes_a_pass_location(
    client: TestClient,
    session: Session,
    admin: dict[str, str],
    pass_certificates: PassCertificates,
    tmp_path: Path,
) -> None:
    made = client.post(
        "/api/v1/stores", json={"name": "Moda", "latitude": 40.98, "longitude": 29.02}, headers=admin
    )
    assert made.status_code == 201, made.text
    assert (made.json()["latitude"], made.json()["longitude"]) == (40.98, 29.02)
    wrong = client.patch(f"/api/v1/stores/{made.json()['id']}", json={"latitude": 91}, headers=admin)
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"][-1] == "latitude"
    _member, _card, key = carded(session, "John Smith", locale="en")
    document = check_pass(
        client.get(f"/m/{key}/card.pkpass").content, pass_certificates.root, pass_certificates.wwdr, tmp_path
    )
    assert document["locations"] == [
        {"latitude": 40.98, "longitude": 29.02, "relevantText": "You are near Moda: your card is ready."}
    ]
