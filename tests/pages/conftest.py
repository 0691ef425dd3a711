"""Page tests: the real app under uvicorn on a free port, a fresh SQLite database built by Alembic, and
Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.main import create_app
from loyalty.core.db import READ_ONLY, make_engine
from loyalty.core.i18n import gettext
from loyalty.core.migrate import upgrade
from loyalty.core.settings import Settings
from tests.builders import make_user
from tests.conftest import PG_URL, fresh_postgres
from tests.wallet.certs import make_pass_certificates, make_service_account, pass_settings

LIVE_DATABASES = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]

CHROMIUM = "/usr/bin/chromium"
# a page's state is awaited, never a fixed time; on a loaded 2-core machine a state can take longer than
# Playwright's default 5 s to arrive (seen: a draft's save answered after 15 s with three test workers on
# two slow cores), so expect() waits as long as the contexts' actions do: a bound, not a pause
PAGE_TIMEOUT = 30_000
expect.set_options(timeout=PAGE_TIMEOUT)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "page-test-pass"
USERS = {"staff": "kasiyer", "marketing": "pazarlamaci", "admin": "yonetici"}


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings

    @property
    def outbox_dir(self) -> Path:
        return Path(self.settings.outbox_dir)


def serve_pages(url: str, root: Path) -> Iterator[LiveServer]:
    """Build ``url``'s schema, seed the users of each role and serve the app on a free port."""
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for role, username in USERS.items():
            make_user(session, role=role, username=username, password=PASSWORD)
        session.commit()
    engine.dispose()
    settings = Settings(
        env="test",
        database_url=url,
        secret_key="page-test-secret-key-0123456789abcdef",
        outbox_dir=root / "outbox",
        locale="tr",
        **pass_settings(make_pass_certificates(root)),  # type: ignore[arg-type]  # the member page's wallet links
        google_wallet_issuer_id="3388000000012345678",
        google_wallet_service_account=make_service_account(root, token_uri="")[0],
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield LiveServer(url=f"http://127.0.0.1:{port}", settings=settings)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def sqlite_live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("pages")
    yield from serve_pages(f"sqlite:///{root / 'pages.sqlite'}", root)


@pytest.fixture(scope="session")
def postgresql_live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server on a PostgreSQL database of its own (``<test database>_pages``, per xdist worker too): the
    pages commit for real, which the rolled-back tests on the test database must never see."""
    url = make_url(PG_URL)
    url = url.set(database=f"{url.database}_pages").render_as_string(hide_password=False)
    fresh_postgres(url)
    yield from serve_pages(url, tmp_path_factory.mktemp("pages_pg"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.both_databases``: the flow runs on a PostgreSQL live server too (when the suite has
    one); ``viewports=(...)`` keeps the PostgreSQL runs to those viewports."""
    if "live_database" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize("live_database", LIVE_DATABASES, indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("both_databases")
        params = getattr(item, "callspec", None)
        viewports = marker.kwargs.get("viewports") if marker else None
        on_pg = params is not None and params.params.get("live_database") == "postgresql"
        viewport = params.params.get("viewport") if params is not None else None
        (drop if on_pg and viewports and viewport not in viewports else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def live_database(request: pytest.FixtureRequest) -> str:
    """Which database the live server runs on: SQLite, or each in turn for ``both_databases`` flows."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def live_server(request: pytest.FixtureRequest, live_database: str) -> LiveServer:
    server: LiveServer = request.getfixturevalue(f"{live_database}_live_server")
    return server


@pytest.fixture
def live_db(live_server: LiveServer) -> Iterator[Session]:
    """A session on the live server's database; what a test builds there must be committed to be seen.

    Its transactions open deferred (loyalty.core.db.READ_ONLY): it mostly reads while the server writes, and
    an open read must not hold SQLite's write lock (it writes only while the server is idle)."""
    engine = make_engine(live_server.settings.database_url)
    with Session(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context per test (empty sessionStorage and cookies), Turkish like the shop default."""
    context = browser.new_context(base_url=live_server.url, locale="tr-TR", accept_downloads=True)
    context.set_default_timeout(PAGE_TIMEOUT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


def tr(key: str, **values: object) -> str:
    """The Turkish UI text the page shows for ``key``."""
    return gettext(key, "tr", **values)


def sign_in(page: Page, role: str, *, next_path: str | None = None) -> None:
    """Sign in on ``/`` through the form, as the seeded user of ``role``."""
    page.goto(f"/?next={next_path}" if next_path else "/")
    page.get_by_label(tr("login.username")).fill(USERS[role])
    page.get_by_label(tr("login.password")).fill(PASSWORD)
    page.get_by_role("button", name=tr("login.submit")).click()
    if next_path:
        page.wait_for_url(f"**{next_path}")
    expect(page.locator("#who-name")).to_have_text(USERS[role])


def wait_for_routes(page: Page, held: list[Route], count: int = 1, timeout_s: float = 15) -> None:
    """Until a ``page.route`` handler has appended ``count`` requests to ``held``: the page may show its
    progress before Playwright hands the route to its handler (seen on a loaded machine)."""
    deadline = time.monotonic() + timeout_s
    while len(held) < count:
        assert time.monotonic() < deadline, f"{len(held)} of {count} requests reached their route handler"
        page.wait_for_timeout(20)  # Playwright dispatches the routes to their handler while it waits


def take_held(page: Page, held: list[Route]) -> Route:
    """The request a ``page.route`` handler held, once it has been (``wait_for_routes``)."""
    wait_for_routes(page, held)
    return held.pop()
