"""Test databases: SQLite always, PostgreSQL too when LOYALTY_TEST_POSTGRES_URL is set (CI sets it).

Each database is built once by ``alembic upgrade head``; each test runs inside a transaction that is
rolled back at its end (the code under test may commit: it commits a SAVEPOINT).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from api.deps import get_session
from api.main import create_app
from loyalty.core.db import make_engine
from loyalty.core.migrate import upgrade
from loyalty.core.settings import Settings, get_settings
from loyalty.models import metadata
from tests.builders import make_user
from tests.cli_support import cli_environment

PG_URL = os.environ.get("LOYALTY_TEST_POSTGRES_URL", "")
if os.environ.get("CI") == "true" and not PG_URL:
    raise pytest.UsageError("CI=true needs LOYALTY_TEST_POSTGRES_URL: the suite must run on PostgreSQL too")

DATABASES = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.postgres_only`` tests (row locks, races) run only in the PostgreSQL parametrization."""
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        on_sqlite = params is not None and params.params.get("db_url") == "sqlite"
        if item.get_closest_marker("postgres_only") and (on_sqlite or not PG_URL):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _fresh_postgres(url: str) -> None:
    """Create the database if missing and empty its public schema."""
    target = make_url(url)
    admin = make_engine(
        target.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if exists.scalar() is None:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    else:
        url = PG_URL
        _fresh_postgres(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, whatever it committed."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def committing_engine(engine: Engine) -> Iterator[Engine]:
    """For tests that need real commits across connections (races, workers): every table is emptied after."""
    yield engine
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=db_url,
        secret_key="test-secret-key-not-for-production-0123456789",
        outbox_dir=tmp_path / "outbox",
        public_base_url="http://testserver",
    )


@pytest.fixture
def app(settings: Settings, session: Session):  # type: ignore[no-untyped-def]

    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: session
    return app


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        yield client


def _headers(client: TestClient, session: Session, role: str) -> dict[str, str]:
    user = make_user(session, role=role)
    response = client.post("/api/v1/auth/token", data={"username": user.username, "password": "secret-pass"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def staff(client: TestClient, session: Session) -> dict[str, str]:
    """Authorization headers of a signed-in staff user."""
    return _headers(client, session, "staff")


@pytest.fixture
def marketing(client: TestClient, session: Session) -> dict[str, str]:
    return _headers(client, session, "marketing")


@pytest.fixture
def admin(client: TestClient, session: Session) -> dict[str, str]:
    return _headers(client, session, "admin")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The ``loyalty`` command's environment: files under tmp_path, settings re-read."""

    env = cli_environment(str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()
