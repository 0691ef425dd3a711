"""The first admin from the browser's form: once on an empty database, then never; race-safe on both."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from api.main import create_app
from loyalty.core.settings import Settings
from loyalty.models.users import FirstAdmin, Role, User
from tests.builders import make_user
from tests.live_server import serve

URL = "/api/v1/setup/first-admin"


def test_the_first_admin_is_made_once_then_the_form_is_closed(client: TestClient, session: Session) -> None:
    assert client.get(URL).json() == {"open": True}
    made = client.post(
        URL, json={"username": " patron ", "password": "ilk-parola-1", "full_name": "Ayşe Kaya"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "admin" and made.json()["username"] == "patron"
    token = client.post("/api/v1/auth/token", data={"username": "patron", "password": "ilk-parola-1"})
    assert token.status_code == 200 and token.json()["role"] == "admin"
    assert client.get(URL).json() == {"open": False}
    again = client.post(URL, json={"username": "ikinci", "password": "ikinci-parola"})
    assert again.status_code == 409
    assert "first admin already exists" in again.text
    assert session.exec(select(func.count()).select_from(User)).one() == 1


def test_any_existing_user_closes_the_form(client: TestClient, session: Session) -> None:
    make_user(session, role="staff")  # made another way (the CLI): the browser may not add an admin
    assert client.get(URL).json() == {"open": False}
    refused = client.post(URL, json={"username": "patron", "password": "ilk-parola-1"})
    assert refused.status_code == 409
    assert session.exec(select(func.count()).select_from(User).where(User.role == Role.admin)).one() == 0


def test_the_form_stays_closed_even_if_no_user_were_left(client: TestClient, session: Session) -> None:
    assert client.post(URL, json={"username": "patron", "password": "ilk-parola-1"}).status_code == 201
    for user in session.exec(select(User)).all():
        session.delete(user)
    session.flush()
    assert client.get(URL).json() == {"open": False}
    assert client.post(URL, json={"username": "baska", "password": "ilk-parola-1"}).status_code == 409


def test_a_short_password_names_the_field_and_leaves_the_form_open(client: TestClient) -> None:
    refused = client.post(URL, json={"username": "patron", "password": "kısa"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "password"]
    assert client.get(URL).json() == {"open": True}  # a refused try does not use up the one chance
    assert client.post(URL, json={"username": "patron", "password": "uzun-parola"}).status_code == 201


def test_simultaneous_first_admins_make_exactly_one(committing_engine: Engine, settings: Settings) -> None:
    """Real commits through a served app, several requests released at once: one 201, the rest 409."""
    n = 4
    barrier = threading.Barrier(n)

    def one(i: int) -> int:
        with httpx.Client(timeout=120) as client:
            barrier.wait(30)
            body = {"username": f"patron{i}", "password": "ilk-parola-1"}
            return client.post(base + URL, json=body).status_code

    with serve(create_app(settings)) as base, ThreadPoolExecutor(n) as pool:
        codes = sorted(pool.map(one, range(n)))
    assert codes == [201] + [409] * (n - 1), codes
    with Session(committing_engine) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 1
        claim = session.get(FirstAdmin, 1)
        assert claim is not None
        assert session.exec(select(User)).one().username == claim.username
