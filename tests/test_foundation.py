"""The schema, the settings and auth: the ground every other test stands on."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from loyalty.core.settings import Settings
from loyalty.core.text import fold
from loyalty.models import metadata
from tests.builders import make_user


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_no_secret_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is not set"):
        Settings(env="production")
    with pytest.raises(ValidationError, match="32 bytes"):
        Settings(env="production", secret_key="short-secret")
    assert Settings(env="production", secret_key="s" * 32, public_base_url="https://shop.example").secret_key


def test_unknown_timezone_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        Settings(timezone="Mars/Olympus")


def test_turkish_case_folding() -> None:
    assert fold("IŞIK") == fold("ışık") == "ışık"
    assert fold("İSTANBUL") == "istanbul"
    assert fold("  Ayşe   YILMAZ ") == "ayşe yılmaz"


def test_token_and_roles(client: TestClient, session: Session) -> None:
    make_user(session, role="marketing", username="mira")
    bad = client.post("/api/v1/auth/token", data={"username": "mira", "password": "wrong-pass"})
    assert bad.status_code == 401
    ok = client.post("/api/v1/auth/token", data={"username": "mira", "password": "secret-pass"})
    assert ok.status_code == 200
    token = ok.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "mira" and me.json()["role"] == "marketing"
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
