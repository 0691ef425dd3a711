"""Google Wallet: the "Save to Google Wallet" link's JWT (RS256, the service account's key) carries the
shop's loyalty class and the card's object with the same fields as the Apple pass; the object follows the
card through the Wallet API (a local fake), EXPIRED once the card is replaced (issue 23, points 3 and 4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loyalty.cards.review import replace_card
from loyalty.core.clock import utcnow
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.models.wallet import WalletPass
from loyalty.wallet.google import SAVE_URL, card_save_url
from tests.builders import make_coupon
from tests.wallet.certs import make_service_account
from tests.wallet.google_fake import FakeGoogleWalletServer
from tests.wallet.test_apple_pass import carded
from workers.google_wallet import GoogleWalletClient, update_objects

ISSUER = "3388000000012345678"


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RSAPrivateKey]:
    return make_service_account(Path(tmp_path_factory.mktemp("google")), token_uri="")


@pytest.fixture
def google(account: tuple[Path, RSAPrivateKey]) -> Iterator[FakeGoogleWalletServer]:
    with FakeGoogleWalletServer(account[1].public_key()) as server:
        yield server


@pytest.fixture
def settings(
    settings: Settings, account: tuple[Path, RSAPrivateKey], google: FakeGoogleWalletServer
) -> Settings:
    return settings.model_copy(
        update={
            "google_wallet_issuer_id": ISSUER,
            "google_wallet_service_account": account[0],
            "google_wallet_api_url": google.api_url,
            "google_wallet_token_url": google.token_url,
        }
    )


def saved(client: TestClient, key: str, account: tuple[Path, RSAPrivateKey]) -> dict[str, Any]:
    """The payload of the member's save link, its signature checked with the service account's key."""
    response = client.get(f"/m/{key}/card/google", follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(SAVE_URL)
    claims = jwt.decode(
        location.removeprefix(SAVE_URL), account[1].public_key(), algorithms=["RS256"], audience="google"
    )
    assert claims["iss"] == "wallet@test-project.iam.gserviceaccount.com" and claims["typ"] == "savetowallet"
    assert claims["origins"] == ["http://testserver"]
    payload: dict[str, Any] = claims["payload"]
    return payload


def test_the_save_link_carries_the_same_card(
    client: TestClient, session: Session, staff: dict[str, str], account: tuple[Path, RSAPrivateKey]
) -> None:
    member, card, key = carded(session)
    make_coupon(session, member, value="20")
    payload = saved(client, key, account)
    [program] = payload["loyaltyClasses"]
    [found] = payload["loyaltyObjects"]
    assert program["id"] == f"{ISSUER}.loyalty" and program["issuerName"] == "Köşe Kahvecisi"
    assert program["programLogo"]["sourceUri"]["uri"] == "http://testserver/wallet/logo.png"
    logo = client.get("/wallet/logo.png")
    assert logo.status_code == 200 and logo.content.startswith(b"\x89PNG")
    assert found["classId"] == program["id"] and found["state"] == "ACTIVE"
    assert found["accountId"] == card.number and found["accountName"] == "Ayşe Yılmaz"
    assert found["barcode"]["type"] == "QR_CODE" and found["barcode"]["value"] == card.number
    scanned = client.get(f"/api/v1/cards/{found['barcode']['value']}", headers=staff)
    assert scanned.status_code == 200 and scanned.json()["member"]["id"] == member.id
    modules = {m["id"]: m for m in found["textModulesData"]}
    assert modules["coupons"]["header"] == "Kuponlarınız" and "%20 indirim" in modules["coupons"]["body"]
    # the Apple pass of the same card has the same serial inside the object's id
    assert found["id"].startswith(f"{ISSUER}.")


def test_without_an_issuer_account_there_is_no_link(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _member, _card, key = carded(session)
    client.app.state.settings = settings.model_copy(update={"google_wallet_issuer_id": ""})  # type: ignore[attr-defined]
    answer = client.get(f"/m/{key}/card/google", follow_redirects=False)
    assert answer.status_code == 404 and answer.json()["key"] == "wallet.not_configured"


def test_the_object_follows_the_card_and_expires_with_it(
    committing_engine: Engine, settings: Settings, google: FakeGoogleWalletServer
) -> None:
    with unit_of_work(committing_engine) as session:
        _member, card, _key = carded(session)
        session.commit()
        card_save_url(session, card, settings, utcnow())
        session.commit()
        wallet_pass = session.exec(select(WalletPass)).one()
        pass_id = wallet_pass.id or 0
        replace_card(session, card.number, "lost", actor_user_id=None)
        session.commit()
    client = GoogleWalletClient(settings)
    assert update_objects(committing_engine, client, settings, [pass_id]) == {
        "google_updated": 1,
        "google_failed": 0,
    }
    [(object_id, found)] = google.fake.objects.items()
    assert found["state"] == "EXPIRED" and object_id == f"{ISSUER}.{wallet_pass.serial}"
    assert [method for method, _ in google.fake.calls] == ["POST", "PUT", "POST"]  # token, 404, insert
    assert google.fake.assertions[0]["scope"] == "https://www.googleapis.com/auth/wallet_object.issuer"
    assert update_objects(committing_engine, client, settings, [pass_id])["google_updated"] == 1
    assert google.fake.calls[-1][0] == "PUT"  # known now: updated in place, the token reused
    with unit_of_work(committing_engine) as session:
        assert session.get(WalletPass, pass_id).google_state == "EXPIRED"  # type: ignore[union-attr]
