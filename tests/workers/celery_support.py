"""Real Celery workers for the tests that need them (tests/workers/test_celery_worker.py, the Turkish route
and wallet end-to-end tests). Fixtures (a pytest plugin, registered in tests/conftest.py): Redis
(LOYALTY_TEST_REDIS_URL, default redis://127.0.0.1:6379/6; a test fails, not skips, when it is missing), a
queue of each test's own, the worker environment pointed at the local Twilio and SMTP servers
(tests/workers/provider_fakes.py), worker subprocesses that can be SIGKILLed. Helpers, imported by the test
modules: ``Workers``, polling with a tick until a state holds, the rows a campaign needs."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from loyalty.campaigns.lifecycle import create_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.core.clock import utcnow
from loyalty.core.db import unit_of_work
from loyalty.core.settings import ROOT, Settings
from loyalty.core.text import fold
from loyalty.models.members import Member
from tests.builders import SHOP
from tests.workers.smtp_fake import SmtpServer
from tests.workers.twilio_fake import FakeTwilioServer
from workers.app import make_app

REDIS_URL = os.environ.get("LOYALTY_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
CELERY = str(Path(sys.executable).parent / "celery")


@pytest.fixture
def broker() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} (set LOYALTY_TEST_REDIS_URL): {exc}")
    yield REDIS_URL


@pytest.fixture
def queue(broker: str) -> Iterator[str]:
    """A queue of this test's own: runs sharing the Redis database never take each other's tasks."""
    name = f"loyalty-test-{uuid.uuid4().hex[:12]}"
    yield name
    redis.Redis.from_url(broker).delete(name)


@pytest.fixture
def worker_env(
    db_url: str, broker: str, queue: str, twilio: FakeTwilioServer, smtp: SmtpServer, tmp_path: Path
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    env.update(
        {
            "LOYALTY_ENV": "test",
            "LOYALTY_SECRET_KEY": "celery-test-secret-0123456789abcdef",
            "LOYALTY_DATABASE_URL": db_url,
            "LOYALTY_BROKER_URL": broker,
            "LOYALTY_CELERY_QUEUE": queue,
            "LOYALTY_PUBLIC_BASE_URL": "https://shop.example.com",
            "LOYALTY_SMS_BACKEND": "twilio",
            "LOYALTY_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "LOYALTY_TWILIO_AUTH_TOKEN": "test-token",
            "LOYALTY_TWILIO_FROM_NUMBER": "+15005550006",
            "LOYALTY_TWILIO_BASE_URL": twilio.url,
            "LOYALTY_EMAIL_BACKEND": "smtp",
            "LOYALTY_SMTP_HOST": "127.0.0.1",
            "LOYALTY_SMTP_PORT": str(smtp.port),
            "LOYALTY_OUTBOX_DIR": str(tmp_path / "outbox"),
            # quiet hours are proven in tests/loyalty/test_policy.py; here the wall clock must not matter
            "LOYALTY_QUIET_HOURS_START": "0",
            "LOYALTY_QUIET_HOURS_END": "0",
            # a killed worker's claims and lost jobs come back after seconds, not minutes
            "LOYALTY_MESSAGE_LEASE_SECONDS": "5",
            "LOYALTY_DISPATCH_REDISPATCH_SECONDS": "5",
            "LOYALTY_DISPATCH_CHUNK": "250",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def die_with_parent() -> None:
    """If pytest itself is killed, its workers must not live on and consume a shared broker."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Workers:
    """Worker subprocesses, each in its own process group so SIGKILL takes the pool children too."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.procs = env, logs, {}  # type: ignore[var-annotated]

    def start(self, name: str, concurrency: int = 2) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [
                CELERY,
                "-A",
                "workers.app",
                "worker",
                "-n",
                f"{name}@%h",
                "-c",
                str(concurrency),
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            proc.terminate()  # a warm shutdown of the main process; it stops its pool
            try:
                proc.wait(timeout=5)  # after the test: a send still stalled in the fake need not finish
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def log_tail(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs.glob("*.log"))


def until(
    what: Callable[[], bool], tick: Callable[[], None], group: Workers, *, timeout: float, every: float
) -> None:
    """Call ``tick`` (a beat's job) every ``every`` seconds until ``what`` holds; else fail with the logs."""
    started = time.monotonic()
    while not what():
        if time.monotonic() - started > timeout:
            pytest.fail(f"timed out; worker logs:\n{group.log_tail()}")
        tick()
        time.sleep(every)


def scalar(engine: Engine, sql: str, **params: object) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


@pytest.fixture
def workers(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    group = Workers(worker_env, tmp_path)
    yield group
    group.stop_all()


def add_members(engine: Engine, rows: list[dict[str, Any]]) -> None:
    now = utcnow()
    for row in rows:
        row.setdefault("name_search", fold(row["full_name"]))
        row.setdefault("locale", "tr")
        row.setdefault("timezone", "Europe/Istanbul")
        row.setdefault("preferred_channel", "sms")
        row.setdefault("email", None)
        row.setdefault("sms_opt_in", True)
        row.setdefault("email_opt_in", False)
        row.setdefault("phone_valid", True)
        row.setdefault("paused", False)
        row.setdefault("created_at", now)
    with engine.begin() as conn:
        conn.execute(sa.insert(Member.__table__), rows)  # type: ignore[attr-defined]


def date_campaign(engine: Engine, name: str) -> int:
    """A date campaign whose send time has just passed (created as if five minutes ago)."""
    zone = ZoneInfo("Europe/Istanbul")
    created = utcnow() - timedelta(minutes=5)
    send_at = (utcnow() - timedelta(minutes=2)).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    data = CampaignCreate.model_validate(
        {
            "name": name,
            "trigger": {"type": "date", "send_at": send_at},
            "offer": {"kind": "percent", "value": "15", "valid_days": 14},
            "channel": "preferred",
        }
    )
    with unit_of_work(engine) as session:
        campaign = create_campaign(session, data, actor="user:test", now=created, settings=SHOP)
        session.commit()
        return campaign.id or 0


def drive(settings: Settings, done: Callable[[], bool], *, timeout: float, workers: Workers) -> float:
    """Send the minute tick (``workers.dispatch_due``) every second, as beat would every minute, until
    ``done`` holds; returns the seconds it took."""
    app = make_app(settings)
    started = time.monotonic()
    until(done, lambda: app.send_task("workers.dispatch_due"), workers, timeout=timeout, every=1.0)
    return time.monotonic() - started


def states(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        found = Counter(
            dict(conn.execute(sa.text("SELECT state, count(*) FROM messages GROUP BY state")).all())
        )
    return found
