"""The README's PostgreSQL + Redis deployment, as a new operator would start it: `loyalty db upgrade`, `users
create`, then `loyalty serve`, `loyalty worker` and `loyalty worker --beat` as separate processes from a
folder that is not the repository, in production mode. A date campaign created through the API two minutes
ahead reaches the member through the outbox, and /readyz turns ready once beat has ticked.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis
from sqlalchemy.engine import Engine

pytestmark = [pytest.mark.celery, pytest.mark.postgres_only]

CLI = [sys.executable, "-c", "from cli import app; app()"]
REDIS_URL = os.environ.get("LOYALTY_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
SHOP = ZoneInfo("Europe/Istanbul")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def deployment(
    db_url: str, committing_engine: Engine, tmp_path: Path
) -> Iterator[tuple[dict[str, str], Path]]:
    """The environment file of the README, pointing at this test's PostgreSQL, Redis and a fresh folder."""
    queue = f"loyalty-deploy-{os.getpid()}-{int(time.time())}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    port = _free_port()
    env |= {
        "LOYALTY_ENV": "production",
        "LOYALTY_SECRET_KEY": "deployment-test-secret-0123456789abcdefghij",
        "LOYALTY_DATABASE_URL": db_url.replace("postgresql+psycopg://", "postgres://"),  # as often given
        "LOYALTY_BROKER_URL": REDIS_URL,
        "LOYALTY_CELERY_QUEUE": queue,
        "LOYALTY_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LOYALTY_OUTBOX_DIR": str(tmp_path / "lib" / "outbox"),
        "LOYALTY_BEAT_SCHEDULE_FILE": str(
            tmp_path / "lib" / "state" / "celerybeat-schedule"
        ),  # not there yet
        "LOYALTY_QUIET_HOURS_START": "0",  # the wall clock of the test run must not matter
        "LOYALTY_QUIET_HOURS_END": "0",
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    yield env, tmp_path
    redis.Redis.from_url(REDIS_URL).delete(queue)


def _run(env: dict[str, str], cwd: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [*CLI, *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def test_the_readme_deployment_sends_a_date_campaign(deployment: tuple[dict[str, str], Path]) -> None:
    env, folder = deployment
    _run(env, folder, "db", "upgrade")
    _run(env, folder, "users", "create", "yonetici", "--role", "admin", stdin="deploy-pass-123\n")
    base = env["LOYALTY_PUBLIC_BASE_URL"]
    logs = folder / "logs"
    logs.mkdir()
    processes = [
        subprocess.Popen(
            [*CLI, *command],
            env=env,
            cwd=folder,
            stdout=(logs / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for name, command in (
            ("serve", ["serve", "--host", "127.0.0.1", "--port", env["PORT"]]),
            ("worker", ["worker"]),
            ("beat", ["worker", "--beat"]),
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "yonetici", "password": "deploy-pass-123"}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        member = httpx.post(
            f"{base}/api/v1/members",
            json={"full_name": "Zeynep Kaya", "phone": "0532 444 55 66", "consent": {"sms": True}},
            headers=auth,
        )
        assert member.status_code == 201, member.text
        bought = httpx.post(
            f"{base}/api/v1/members/{member.json()['id']}/purchases",
            json={"amount": "80.00", "receipt_id": "DEPLOY-1"},
            headers=auth,
        )
        assert bought.status_code == 201, bought.text
        # the next whole minute at least 5 s away (the POST takes ms): the beat's minute tick sends it
        send_at = (datetime.now(SHOP) + timedelta(seconds=65)).replace(second=0, microsecond=0)
        campaign = httpx.post(
            f"{base}/api/v1/campaigns",
            json={
                "name": "Açılış indirimi",
                "trigger": {"type": "date", "send_at": send_at.strftime("%Y-%m-%dT%H:%M")},
                "offer": {"kind": "percent", "value": "20", "valid_days": 7},
                "channel": "sms",
            },
            headers=auth,
        )
        assert campaign.status_code == 201, campaign.text

        outbox = Path(env["LOYALTY_OUTBOX_DIR"])
        sent: list[dict[str, str]] = []
        ready = 0
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not (sent and ready == 200):
            assert all(p.poll() is None for p in processes), [p.returncode for p in processes]
            sent = [json.loads(f.read_text()) for f in outbox.glob("*.json")] if outbox.is_dir() else []
            ready = httpx.get(f"{base}/readyz", timeout=10).status_code
            time.sleep(2)
        assert [m["to"] for m in sent] == ["+905324445566"], [p.name for p in logs.iterdir()]
        assert "%20" in sent[0]["body"] or "20" in sent[0]["body"]
        assert ready == 200
        assert (folder / "lib" / "state").is_dir()  # beat made its own folder
        stats = httpx.get(f"{base}/api/v1/campaigns/{campaign.json()['id']}", headers=auth).json()["stats"]
        assert stats["targeted"] == 1 and stats["sent"] == 1
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    assert [p.returncode for p in processes][1:] == [0, 0]  # the workers stopped cleanly on SIGTERM
