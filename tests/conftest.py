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
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from api.deps import get_session
from api.main import create_app
from loyalty.core.db import make_engine
from loyalty.core.migrate import upgrade
from loyalty.core.settings import Settings, get_settings, with_stored_shop
from loyalty.models import metadata
from tests.builders import bearer, make_user
from tests.cli_support import cli_environment

# rich's consoles (cli/*.py, made at import) take the width once: wide from the start, whichever test of a
# pytest-xdist worker imports the CLI first
os.environ.setdefault("COLUMNS", "200")
# fixtures for tests/workers and tests/wallet alike: the local provider servers (Twilio, SMTP, NetGSM, İYS),
# and the Celery worker's (Redis, a queue per test, the worker environment, worker subprocesses)
pytest_plugins = ["tests.workers.provider_fakes", "tests.workers.celery_support"]

PG_URL = os.environ.get("LOYALTY_TEST_POSTGRES_URL", "")
if os.environ.get("CI") == "true" and not PG_URL:
    raise pytest.UsageError("CI=true needs LOYALTY_TEST_POSTGRES_URL: the suite must run on PostgreSQL too")
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if PG_URL and _XDIST_WORKER:
    # pytest-xdist (`make test` runs two workers): a database of each worker's own, created on first use
    _pg = make_url(PG_URL)
    PG_URL = _pg.set(database=f"{_pg.database}_{_XDIST_WORKER}").render_as_string(hide_password=False)

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


# the files that run longest, handed out first (`make test` passes --no-loadscope-reorder: pytest-xdist would
# hand out the files with the most tests first), so that the run does not end on one long file
SLOW_FIRST = (
    "tests/test_deployment.py",
    "tests/workers/test_celery_worker.py",
    "tests/workers/test_forecast.py",
    "tests/pages/test_axe_docs.py",
    "tests/loyalty/test_occasion_timing.py",
    "tests/pages/test_marketing_flow.py",
    "tests/workers/test_turkey_e2e.py",
    "tests/api/test_schemathesis.py",
    "tests/pages/test_marketing_forecast.py",
    "tests/pages/test_counter_flows.py",
    "tests/pages/test_member_flows.py",
    "tests/test_operations.py",
    "tests/pages/test_admin_copy.py",
    "tests/api/test_limits_and_outages.py",
    "tests/wallet/test_wallet_e2e.py",
    "tests/pages/test_axe_every_page.py",
    "tests/test_cli.py",
    "tests/test_secrets.py",
)


class _SlowFirst:
    @pytest.hookimpl(trylast=True)  # after pytest's own reordering by fixture
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        def rank(item: pytest.Item) -> int:
            path = item.nodeid.split("::", 1)[0]
            return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

        items.sort(key=rank)  # stable: each file keeps its own order


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_SlowFirst(), "loyalty-slow-first")


def fresh_postgres(url: str) -> None:
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


def scratch_database(db_url: str, tmp_path: Path, name: str) -> str:
    """An empty database beside the test database, for a test that builds its own schema (a migration's
    test): a SQLite file under ``tmp_path``, or ``<test database>_<name>`` on PostgreSQL."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'{name}.sqlite'}"
    url = make_url(db_url)
    rendered = url.set(database=f"{url.database}_{name}").render_as_string(hide_password=False)
    fresh_postgres(rendered)
    return rendered


_BUILT: dict[str, str] = {}


@pytest.fixture(scope="session", params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Each database is built once per process: under ``--dist loadfile`` a worker alternates between the
    two parametrizations file by file, and pytest sets this fixture up again at every switch."""
    if request.param not in _BUILT:
        _BUILT[request.param] = _build(request.param, tmp_path_factory)
    return _BUILT[request.param]


def _build(kind: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    else:
        url = PG_URL
        fresh_postgres(url)
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
    """For tests that need real commits across connections (races, workers): every table is emptied before
    and after (before too: a row another test left behind would be a stranger to an all-members campaign)."""
    _empty(engine)
    yield engine
    _empty(engine)


def _empty(engine: Engine) -> None:
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


# One app per worker and settings, not one per test: FastAPI builds an app's routes (their dependencies and
# response models) on its first requests, a third of the API tests' time when every test built its own app.
# Each test gets the app as ``create_app`` would make it with its settings; what the test changed is put back.
_APPS: dict[str, FastAPI] = {}


@pytest.fixture
def app(settings: Settings, session: Session) -> Iterator[FastAPI]:
    key = settings.model_dump_json(exclude={"outbox_dir"})  # the test's own folder: set below per test
    app = _APPS.get(key)
    if app is None:
        app = _APPS[key] = create_app(settings)
    else:
        settings.start_clock()
        app.state.base_settings = settings
        app.state.settings = with_stored_shop(settings)
    routes = list(app.router.routes)
    app.dependency_overrides[get_session] = lambda: session
    try:
        yield app
    finally:
        app.dependency_overrides.clear()
        app.middleware_stack = None  # built again from the next test's settings (its https or not)
        if app.router.routes != routes:  # a test added a route of its own: that app is not reused
            del _APPS[key]


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """Asks for English (errors are answered in the request's language; the shop's default is Turkish):
    the tests read the English texts. tests/api/test_error_language.py covers the choice itself."""
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        yield client


@pytest.fixture
def staff(session: Session, settings: Settings) -> dict[str, str]:
    """Authorization headers of a signed-in staff user."""
    return bearer(settings, make_user(session, role="staff"))


@pytest.fixture
def marketing(session: Session, settings: Settings) -> dict[str, str]:
    return bearer(settings, make_user(session, role="marketing"))


@pytest.fixture
def admin(session: Session, settings: Settings) -> dict[str, str]:
    return bearer(settings, make_user(session, role="admin"))


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The ``loyalty`` command's environment: files under tmp_path, settings re-read."""

    env = cli_environment(str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()
