"""Apple's pass web service (/api/v1/wallet/v1/...) with the pass's authentication token, the update tags
that move when what the pass shows changes, and the APNs push to the registered devices: HTTP/2, a token
key's ES256 JWT, the pass type as topic, against a local fake (issue 23, point 2)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from loyalty.core import jobs
from loyalty.core.clock import simulate, utcnow
from loyalty.core.db import unit_of_work
from loyalty.core.settings import Settings
from loyalty.coupons.housekeeping import expire_coupons
from loyalty.coupons.redeeming import redeem
from loyalty.messaging.pass_updates import PUSH_TASK
from loyalty.wallet.passes import pass_for_card, push_tokens, register_device
from tests.builders import make_coupon, make_user
from tests.wallet.apns_fake import FakeApnsServer
from tests.wallet.certs import PASS_TYPE_ID, TEAM_ID, PassCertificates, make_apns_key
from tests.wallet.pass_files import check_pass
from tests.wallet.test_apple_pass import carded
from workers.apns import ApnsClient, push_passes

BASE = "/api/v1/wallet/v1"


def _auth(document: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"ApplePass {document['authenticationToken']}"}


@pytest.fixture
def pushed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """The jobs published after each commit (no broker here)."""
    published: list[tuple[str, tuple[Any, ...]]] = []
    jobs.set_publisher(lambda name, args: published.append((name, args)))
    yield published
    jobs.set_publisher(None)


def test_a_device_registers_learns_what_changed_and_fetches_the_latest_pass(
    client: TestClient,
    session: Session,
    staff: dict[str, str],
    pass_certificates: PassCertificates,
    tmp_path: Path,
    pushed: list[tuple[str, tuple[Any, ...]]],
) -> None:
    _member, card, key = carded(session)
    download = client.get(f"/m/{key}/card.pkpass")
    document = check_pass(download.content, pass_certificates.root, pass_certificates.wwdr, tmp_path)
    serial = document["serialNumber"]
    device = f"{BASE}/devices/device-1/registrations/{PASS_TYPE_ID}"
    register = f"{device}/{serial}"

    assert client.post(register, json={"pushToken": "tok-1"}).status_code == 401
    bad = {"Authorization": "ApplePass wrong-token"}
    assert client.post(register, json={"pushToken": "tok-1"}, headers=bad).status_code == 401
    wrong_type = f"{BASE}/devices/device-1/registrations/pass.other/{serial}"
    assert client.post(wrong_type, json={"pushToken": "tok-1"}, headers=_auth(document)).status_code == 401
    assert client.post(register, json={"pushToken": "tok-1"}, headers=_auth(document)).status_code == 201
    assert client.post(register, json={"pushToken": "tok-1"}, headers=_auth(document)).status_code == 200

    listed = client.get(device)
    assert listed.status_code == 200 and listed.json()["serialNumbers"] == [serial]
    tag = listed.json()["lastUpdated"]
    assert client.get(device, params={"passesUpdatedSince": tag}).status_code == 204

    latest = client.get(f"{BASE}/passes/{PASS_TYPE_ID}/{serial}", headers=_auth(document))
    assert latest.status_code == 200 and latest.headers["content-type"] == "application/vnd.apple.pkpass"
    modified = latest.headers["Last-Modified"]
    same = client.get(
        f"{BASE}/passes/{PASS_TYPE_ID}/{serial}", headers=_auth(document) | {"If-Modified-Since": modified}
    )
    assert same.status_code == 304
    assert client.get(f"{BASE}/passes/{PASS_TYPE_ID}/{serial}").status_code == 401

    # the member adds an occasion on her page: the pass changes, its devices get a push after the commit
    pushed.clear()
    with simulate(utcnow() + timedelta(seconds=5)):
        added = client.post(
            f"/api/v1/self/{key}/occasions",
            json={"kind": "birthday", "date": "05-09", "purpose": "doğum günüm", "recurrence": "yearly"},
        )
        assert added.status_code == 201, added.text
        assert [name for name, _ in pushed] == [PUSH_TASK]
        changed = client.get(device, params={"passesUpdatedSince": tag})
        assert changed.json()["serialNumbers"] == [serial] and int(changed.json()["lastUpdated"]) > int(tag)
        fresh = client.get(
            f"{BASE}/passes/{PASS_TYPE_ID}/{serial}",
            headers=_auth(document) | {"If-Modified-Since": modified},
        )
    assert fresh.status_code == 200
    back = {
        f["key"]: f["value"]
        for f in check_pass(fresh.content, pass_certificates.root, pass_certificates.wwdr, tmp_path)[
            "storeCard"
        ]["backFields"]
    }
    assert back["occasion"] == "Doğum gününüz · 9 Mayıs"

    # the card is replaced at the counter: the pass is voided at once
    pushed.clear()
    replaced = client.post(f"/api/v1/cards/{card.number}/replace", json={"reason": "lost"}, headers=staff)
    assert replaced.status_code == 201, replaced.text
    assert PUSH_TASK in [name for name, _ in pushed]  # beside the new card's welcome
    voided = client.get(f"{BASE}/passes/{PASS_TYPE_ID}/{serial}", headers=_auth(document))
    assert (
        check_pass(voided.content, pass_certificates.root, pass_certificates.wwdr, tmp_path)["voided"] is True
    )

    assert client.request("DELETE", register, headers=_auth(document)).status_code == 200
    assert client.get(device).status_code == 204
    assert client.post(f"{BASE}/log", json={"logs": ["a device's complaint"]}).status_code == 200


def test_redeemed_and_expired_coupons_move_the_tag(
    session: Session, pushed: list[tuple[str, tuple[Any, ...]]]
) -> None:
    member, card, _key = carded(session)
    clerk = make_user(session, role="staff")
    wallet_pass = pass_for_card(session, card)
    coupon = make_coupon(session, member, expires_at=utcnow() + timedelta(hours=2))
    tags = [wallet_pass.tag]
    redeem(session, coupon.code, actor_user_id=clerk.id or 0)
    session.refresh(wallet_pass)
    tags.append(wallet_pass.tag)
    make_coupon(session, member, expires_at=utcnow() + timedelta(minutes=1))
    assert expire_coupons(session, utcnow() + timedelta(minutes=2)) >= 1
    session.refresh(wallet_pass)
    tags.append(wallet_pass.tag)
    assert tags[0] < tags[1] < tags[2]
    assert [name for name, _ in pushed] == []  # nothing is published before the commit


@pytest.fixture
def apns(tmp_path: Path) -> Iterator[FakeApnsServer]:
    with FakeApnsServer(tmp_path) as server:
        yield server


def test_apns_push_over_http2_with_a_token_key(
    committing_engine: Engine, settings: Settings, apns: FakeApnsServer, tmp_path: Path
) -> None:
    key_file, key = make_apns_key(tmp_path)
    configured = settings.model_copy(
        update={
            "apns_url": apns.url,
            "apns_ca_file": apns.ca_file,
            "apns_key": key_file,
            "apns_key_id": "KEY123",
        }
    )
    with unit_of_work(committing_engine) as session:
        _member, card, _key = carded(session)
        wallet_pass = pass_for_card(session, card)
        register_device(session, wallet_pass, "device-1", "token-live")
        register_device(session, wallet_pass, "device-2", "token-gone")
        session.commit()
        pass_id = wallet_pass.id or 0
    apns.fake.gone.add("token-gone")
    client = ApnsClient(configured)
    report = push_passes(committing_engine, client, [pass_id])
    client.http.close()
    assert report == {"sent": 1, "gone": 1, "failed": 0}
    assert sorted(p.path for p in apns.fake.pushes) == ["/3/device/token-gone", "/3/device/token-live"]
    for push in apns.fake.pushes:
        assert push.http_version == "2" and push.body == b"{}"
        assert push.headers["apns-topic"] == PASS_TYPE_ID
        scheme, _, token = push.headers["authorization"].partition(" ")
        assert scheme == "bearer"
        assert jwt.get_unverified_header(token)["kid"] == "KEY123"
        assert jwt.decode(token, key.public_key(), algorithms=["ES256"])["iss"] == TEAM_ID
    with unit_of_work(committing_engine) as session:  # the token APNs no longer knows is forgotten
        assert push_tokens(session, [pass_id]) == ["token-live"]
