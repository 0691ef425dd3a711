"""Accounts: sign-in throttling (429 + Retry-After, never another account's lock-out) and revoked tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from loyalty.accounts.throttle import (
    ACCOUNT_LIMIT,
    ADDRESS_LIMIT,
    PAIR_LIMIT,
    WINDOW,
    record_failure,
    throttled,
)
from loyalty.accounts.users import set_password, update_user
from loyalty.core.clock import utcnow
from tests.builders import make_user

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def clients(app: FastAPI) -> Iterator[dict[str, TestClient]]:
    """Clients at three different addresses."""
    made = {
        name: TestClient(app, client=(address, 50000))
        for name, address in (("a", "192.0.2.10"), ("b", "192.0.2.20"), ("c", "198.51.100.7"))
    }
    yield made
    for client in made.values():
        client.close()


def sign_in(client: TestClient, username: str, password: str = "secret-pass") -> tuple[int, dict[str, str]]:
    response = client.post(TOKEN_URL, data={"username": username, "password": password})
    return response.status_code, dict(response.headers) | (response.json() if response.content else {})


def test_five_wrong_passwords_throttle_that_account_from_that_address_only(
    clients: dict[str, TestClient], session: Session
) -> None:
    alice, bob = make_user(session, username="alice"), make_user(session, username="bob")
    for _ in range(PAIR_LIMIT):
        assert sign_in(clients["a"], alice.username, "wrong-password")[0] == 401
    status, answer = sign_in(clients["a"], alice.username)  # even the right password must wait
    assert status == 429, answer
    wait = int(answer["retry-after"])
    assert 0 < wait <= WINDOW.total_seconds()
    assert answer["key"] == "auth.throttled"  # no Accept-Language: the shop's language
    assert answer["detail"] == f"çok fazla hatalı giriş (hesap ve adres); {wait} saniye sonra tekrar deneyin"
    assert sign_in(clients["a"], bob.username)[0] == 200  # another account, same address
    assert sign_in(clients["b"], alice.username)[0] == 200  # the same account from elsewhere
    # the window passes: alice may try again from the first address
    assert throttled(session, "alice", "192.0.2.10", utcnow() + timedelta(seconds=wait)) is None


def test_one_address_failing_on_many_accounts_is_throttled_for_every_account(
    clients: dict[str, TestClient], session: Session
) -> None:
    carol = make_user(session, username="carol")
    now = utcnow()
    for i in range(ADDRESS_LIMIT - 1):
        record_failure(session, f"guess-{i}", "192.0.2.10", now - timedelta(minutes=1))
    assert sign_in(clients["a"], "guess-last", "nope-nope")[0] == 401  # the 20th failure, via the API
    status, answer = sign_in(clients["a"], carol.username)
    assert status == 429 and "(adres)" in answer["detail"]  # the shop's language: no Accept-Language
    assert sign_in(clients["c"], carol.username)[0] == 200  # carol at her own till is not locked out


def test_a_guesser_spread_over_many_addresses_slows_only_the_account_it_targets(
    clients: dict[str, TestClient], session: Session
) -> None:
    dave, erin = make_user(session, username="dave"), make_user(session, username="erin")
    now = utcnow() - timedelta(minutes=2)
    for i in range(ACCOUNT_LIMIT):
        record_failure(session, dave.username, f"203.0.113.{i}", now)
    status, answer = sign_in(clients["c"], dave.username)
    assert status == 429 and "(hesap)" in answer["detail"]
    assert int(answer["retry-after"]) == pytest.approx(13 * 60, abs=5)  # the window of the oldest failure
    assert sign_in(clients["c"], erin.username)[0] == 200


def test_a_successful_sign_in_clears_only_its_own_accounts_failures(
    clients: dict[str, TestClient], session: Session
) -> None:
    frank = make_user(session, username="frank")
    for _ in range(PAIR_LIMIT - 1):
        assert sign_in(clients["a"], frank.username, "wrong-password")[0] == 401
    assert sign_in(clients["a"], frank.username)[0] == 200
    for _ in range(PAIR_LIMIT - 1):  # four more mistakes: still below the limit again
        assert sign_in(clients["a"], frank.username, "wrong-password")[0] == 401
    assert sign_in(clients["a"], frank.username)[0] == 200
    # a guesser cannot reset its address's count by signing in to an account of its own
    for i in range(ADDRESS_LIMIT - 2):
        record_failure(session, f"victim-{i}", "192.0.2.20", utcnow())
    assert sign_in(clients["b"], "victim-api", "guess-guess")[0] == 401
    assert sign_in(clients["b"], frank.username)[0] == 200
    assert sign_in(clients["b"], "victim-last", "guess-guess")[0] == 401
    status, answer = sign_in(clients["b"], frank.username)
    assert status == 429 and "(adres)" in answer["detail"]  # the shop's language: no Accept-Language


def test_disabling_a_user_or_a_new_password_revokes_their_tokens(
    client: TestClient, session: Session
) -> None:
    grace = make_user(session, username="grace")
    _, first = sign_in(client, "grace")
    old = {"Authorization": f"Bearer {first['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=old).status_code == 200

    set_password(session, grace.id or 0, "a-new-password")
    assert client.get("/api/v1/auth/me", headers=old).status_code == 401
    assert sign_in(client, "grace")[0] == 401  # the old password no longer works
    status, second = sign_in(client, "grace", "a-new-password")
    assert status == 200
    current = {"Authorization": f"Bearer {second['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=current).status_code == 200

    update_user(session, grace.id or 0, is_active=False)
    assert client.get("/api/v1/auth/me", headers=current).status_code == 401
    assert sign_in(client, "grace", "a-new-password")[0] == 401
    update_user(session, grace.id or 0, is_active=True)
    assert client.get("/api/v1/auth/me", headers=current).status_code == 401  # revoked for good
    assert sign_in(client, "grace", "a-new-password")[0] == 200
    session.refresh(grace)
    assert grace.token_version == 2
