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
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlmodel import Session

from api.main import create_app
from loyalty.core.db import READ_ONLY, make_engine
from loyalty.core.i18n import gettext
from loyalty.core.migrate import upgrade
from loyalty.core.settings import Settings
from tests.builders import make_user

CHROMIUM = "/usr/bin/chromium"
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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("pages")
    url = f"sqlite:///{root / 'pages.sqlite'}"
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
    context.set_default_timeout(15_000)
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
