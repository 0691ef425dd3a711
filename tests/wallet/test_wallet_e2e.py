"""Issue 23's done-when, through a real Celery worker on Redis, on both databases: a member's pass downloads,
verifies (hashes, signature, required fields) and carries the number the counter scans; a device registers,
a campaign issues the member a coupon, the fake APNs receives one push outside quiet hours and the device
fetches a pass listing the coupon; the Google link's JWT verifies with the test key and names the same
card; replacing the card voids both (the Apple pass voided and pushed again, the Google object EXPIRED)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.main import create_app
from loyalty.cards.numbers import new_card_number
from loyalty.core import jobs
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.members.links import page_link_key
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Member
from loyalty.wallet.google import SAVE_URL
from tests.builders import make_user
from tests.wallet.apns_fake import FakeApnsServer
from tests.wallet.certs import (
    PASS_TYPE_ID,
    PassCertificates,
    make_apns_key,
    make_service_account,
    pass_settings,
)
from tests.wallet.google_fake import FakeGoogleWalletServer
from tests.wallet.pass_files import check_pass
from tests.workers.celery_support import Workers, add_members, date_campaign, scalar, until
from tests.workers.twilio_fake import FakeTwilioServer
from workers.app import install_publisher, make_app

pytestmark = [pytest.mark.celery]
PHONE = "+12025550123"
BASE = "/api/v1/wallet/v1"


@pytest.fixture
def apns(tmp_path: Path) -> Iterator[FakeApnsServer]:
    with FakeApnsServer(tmp_path) as server:
        yield server


@pytest.fixture
def account(tmp_path: Path) -> tuple[Path, RSAPrivateKey]:
    return make_service_account(tmp_path, token_uri="")


@pytest.fixture
def google(account: tuple[Path, RSAPrivateKey]) -> Iterator[FakeGoogleWalletServer]:
    with FakeGoogleWalletServer(account[1].public_key()) as server:
        yield server


@pytest.fixture
def wallet_env(
    worker_env: dict[str, str],
    apns: FakeApnsServer,
    google: FakeGoogleWalletServer,
    account: tuple[Path, RSAPrivateKey],
    pass_certificates: PassCertificates,
    tmp_path: Path,
) -> dict[str, str]:
    key_file, _key = make_apns_key(tmp_path)
    worker_env.update({f"LOYALTY_{k.upper()}": str(v) for k, v in pass_settings(pass_certificates).items()})
    worker_env.update(
        {
            "LOYALTY_APNS_URL": apns.url,
            "LOYALTY_APNS_CA_FILE": str(apns.ca_file),
            "LOYALTY_APNS_KEY": str(key_file),
            "LOYALTY_APNS_KEY_ID": "KEY123",
            "LOYALTY_GOOGLE_WALLET_ISSUER_ID": "3388000000012345678",
            "LOYALTY_GOOGLE_WALLET_SERVICE_ACCOUNT": str(account[0]),
            "LOYALTY_GOOGLE_WALLET_API_URL": google.api_url,
            "LOYALTY_GOOGLE_WALLET_TOKEN_URL": google.token_url,
        }
    )
    return worker_env


def _settings(env: dict[str, str]) -> Settings:
    """The API's settings: the workers' own environment (database, broker, pass certificate, APNs)."""
    return Settings(
        **{k.removeprefix("LOYALTY_").lower(): v for k, v in env.items() if k.startswith("LOYALTY_")}
    )


def _wait(what: Callable[[], bool], tick: Callable[[], None], group: Workers, timeout: float = 60) -> None:
    until(what, tick, group, timeout=timeout, every=0.5)


def test_a_coupon_reaches_the_pass_in_the_phone_and_a_replaced_card_voids_it(
    apns: FakeApnsServer,  # set up first, torn down after the workers (their connections closed)
    google: FakeGoogleWalletServer,
    committing_engine: Engine,
    workers: Workers,
    twilio: FakeTwilioServer,
    account: tuple[Path, RSAPrivateKey],
    pass_certificates: PassCertificates,
    wallet_env: dict[str, str],
    tmp_path: Path,
) -> None:
    settings = _settings(wallet_env)
    add_members(committing_engine, [{"full_name": "Mary Smith", "phone": PHONE, "locale": "en"}])
    with unit_of_work(committing_engine) as session:
        member = session.execute(sa.select(Member).where(Member.phone == PHONE)).scalar_one()
        card = Card(
            member_id=member.id or 0,
            number=new_card_number(),
            holder_name="Mary Smith",
            status=CardStatus.active,
        )
        session.add(card)
        session.flush()
        number = card.number
        key = page_link_key(session, member, issued=card.issued_at)
        make_user(session, role="staff", username="wallet-clerk", password="wallet-pass")
        session.commit()
    install_publisher(make_app(settings))  # the API's jobs reach the broker after its commits
    try:
        with TestClient(create_app(settings), headers={"Accept-Language": "en"}) as client:
            # the pass downloads, verifies and carries the number the counter scans
            document = check_pass(
                client.get(f"/m/{key}/card.pkpass").content,
                pass_certificates.root,
                pass_certificates.wwdr,
                tmp_path,
            )
            barcode = document["barcodes"][0]["message"]
            assert barcode == number
            token = client.post(
                "/api/v1/auth/token", data={"username": "wallet-clerk", "password": "wallet-pass"}
            )
            assert token.status_code == 200, token.text
            staff = {"Authorization": f"Bearer {token.json()['access_token']}"}
            serial, auth = (
                document["serialNumber"],
                {"Authorization": f"ApplePass {document['authenticationToken']}"},
            )
            device = f"{BASE}/devices/phone-1/registrations/{PASS_TYPE_ID}"
            assert (
                client.post(f"{device}/{serial}", json={"pushToken": "push-1"}, headers=auth).status_code
                == 201
            )
            tag = client.get(device).json()["lastUpdated"]

            # the Google link's JWT verifies with the test key and names the same card
            link = client.get(f"/m/{key}/card/google", follow_redirects=False).headers["location"]
            claims = jwt.decode(
                link.removeprefix(SAVE_URL), account[1].public_key(), algorithms=["RS256"], audience="google"
            )
            [card_object] = claims["payload"]["loyaltyObjects"]
            assert card_object["barcode"]["value"] == card_object["accountId"] == number
            assert card_object["id"].endswith(serial) and card_object["state"] == "ACTIVE"

            # a campaign issues her a coupon: its SMS goes, and the phone gets exactly one push
            workers.start("w1")
            campaign_id = date_campaign(committing_engine, "New Year")
            app = make_app(settings)

            def sent() -> bool:
                state = scalar(
                    committing_engine, "SELECT state FROM messages WHERE campaign_id = :c", c=campaign_id
                )
                return state == "sent" and len(apns.fake.pushes) >= 1

            _wait(sent, lambda: app.send_task("workers.dispatch_due"), workers)
            time.sleep(1.5)  # nothing more comes
            assert len(apns.fake.pushes) == 1 and apns.fake.pushes[0].path == "/3/device/push-1"
            assert apns.fake.pushes[0].http_version == "2"
            assert [r["to"] for r in twilio.fake.accepted] == [PHONE]
            code = scalar(committing_engine, "SELECT code FROM coupons WHERE campaign_id = :c", c=campaign_id)
            events = scalar(
                committing_engine,
                "SELECT count(*) FROM message_events e JOIN messages m ON m.id = e.message_id "
                "WHERE m.campaign_id = :c AND e.state = 'wallet'",
                c=campaign_id,
            )
            assert events == 1  # the lock-screen line is in the message's history

            # the device asks what changed and fetches the pass: the coupon is on it, announced
            changed = client.get(device, params={"passesUpdatedSince": tag})
            assert changed.json()["serialNumbers"] == [serial]
            fetched = client.get(f"{BASE}/passes/{PASS_TYPE_ID}/{serial}", headers=auth)
            latest = check_pass(fetched.content, pass_certificates.root, pass_certificates.wwdr, tmp_path)
            shown = f"{code[:4]}-{code[4:8]}-{code[8:]}"
            back = {f["key"]: f["value"] for f in latest["storeCard"]["backFields"]}
            assert shown in back["coupons"] and "15% off" in back["coupons"]
            [offer] = latest["storeCard"]["auxiliaryFields"]
            assert shown in offer["value"] and offer["changeMessage"] == "Your new coupon: %@"
            assert latest["barcodes"][0]["message"] == number

            # the card is replaced at the counter: the pass is voided at once, and the phone is told
            replaced = client.post(f"/api/v1/cards/{number}/replace", json={"reason": "lost"}, headers=staff)
            assert replaced.status_code == 201, replaced.text
            _wait(lambda: len(apns.fake.pushes) == 2, lambda: None, workers, timeout=20)
            voided = client.get(f"{BASE}/passes/{PASS_TYPE_ID}/{serial}", headers=auth)
            gone = check_pass(voided.content, pass_certificates.root, pass_certificates.wwdr, tmp_path)
            assert gone["voided"] is True
            # and the Google object is EXPIRED through the Wallet API
            _wait(
                lambda: google.fake.objects.get(card_object["id"], {}).get("state") == "EXPIRED",
                lambda: None,
                workers,
                timeout=20,
            )
    finally:
        jobs.set_publisher(None)
