"""Operations: `loyalty run` and service signals, one-line errors at start, /healthz, /readyz."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.deps import get_session
from api.main import create_app
from loyalty.core.clock import utcnow
from loyalty.core.settings import Settings
from loyalty.messaging.heartbeats import BEAT, beat
from tests.cli_support import cli_environment
from workers import checks

CLI = [sys.executable, "-c", "from cli import app; app()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def loyalty(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the command in a fresh process (a folder that is not the repository), to its end."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    environment |= cli_environment(str(tmp)) | env
    return subprocess.run(
        [*CLI, *args], env=environment, cwd=tmp, capture_output=True, text=True, timeout=120, check=False
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, set[int]]]:
    """`loyalty run` (SQLite, the embedded broker) serving on a free port; its process tree once ready."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    environment |= cli_environment(str(tmp_path))
    process = subprocess.Popen(
        [*CLI, "run", "--port", str(port)],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        # the worker's pool process is up once the tree stops growing (server, worker, pool, beat)
        tree: set[int] = set()
        while time.monotonic() < deadline:
            now = descendants(process.pid)
            if len(now) >= 3 and now == tree:
                break
            tree = now
            time.sleep(1.0)
        assert len(tree) >= 3, tree
        yield process, base, tree
    finally:
        if process.poll() is None:
            process.kill()
        for pid in descendants(process.pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_passes_a_stop_signal_on_and_exits_when_its_children_have(
    running: tuple[subprocess.Popen[bytes], str, set[int]], sig: signal.Signals
) -> None:
    process, _base, tree = running
    process.send_signal(sig)
    assert process.wait(90) == 0
    assert [pid for pid in tree if alive(pid)] == []  # no orphaned server, worker, pool or beat


def test_run_stops_everything_when_a_child_dies(
    running: tuple[subprocess.Popen[bytes], str, set[int]],
) -> None:
    process, base, tree = running
    children = [pid for pid in tree if Path(f"/proc/{pid}/stat").read_text().split()[3] == str(process.pid)]
    worker = next(pid for pid in children if "worker" in Path(f"/proc/{pid}/cmdline").read_text())
    os.kill(worker, signal.SIGKILL)
    assert process.wait(90) != 0
    assert [pid for pid in tree if alive(pid)] == []
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/healthz", timeout=2)


def test_a_worker_without_its_broker_stops_in_one_line(tmp_path: Path) -> None:
    assert loyalty(tmp_path, "db", "upgrade").returncode == 0
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = loyalty(tmp_path, "worker", LOYALTY_BROKER_URL=url)
    assert done.returncode == 1
    assert one_line(done).startswith(f"error: cannot reach the broker at {url}")


def test_beat_that_cannot_keep_its_schedule_stops_in_one_line(tmp_path: Path) -> None:
    assert loyalty(tmp_path, "db", "upgrade").returncode == 0
    (tmp_path / "not-a-folder").write_text("")
    done = loyalty(
        tmp_path, "worker", "--beat", LOYALTY_BEAT_SCHEDULE_FILE=str(tmp_path / "not-a-folder" / "s")
    )
    assert done.returncode == 1
    assert "beat cannot keep its schedule" in one_line(done) and "LOYALTY_BEAT_SCHEDULE_FILE" in done.stderr


def test_beats_folder_is_created_on_a_fresh_install(tmp_path: Path) -> None:
    fresh = tmp_path / "var" / "state" / "celerybeat-schedule"
    assert checks.beat_state_problem(fresh) is None and fresh.parent.is_dir()


@pytest.mark.parametrize(
    ("url", "expected", "code"),
    [
        (
            "postgres://loyalty:s3cret@127.0.0.1:{port}/shop",
            "cannot reach the database at postgresql+psycopg://loyalty:***@127.0.0.1",
            1,
        ),
        (
            "postgresql://loyalty@127.0.0.1:{port}/shop",
            "cannot reach the database at postgresql+psycopg://loyalty@127.0.0.1",
            1,
        ),
        ("mysql://root@127.0.0.1/shop", "not a database URL SQLAlchemy can use", 2),
        ("not a url", "not a database URL SQLAlchemy can use", 2),
        ("sqlite:///{tmp}/missing/loyalty.sqlite", "no database at sqlite:///", 1),
    ],
)
def test_a_wrong_database_url_is_one_line(tmp_path: Path, url: str, expected: str, code: int) -> None:
    url = url.format(port=free_port(), tmp=tmp_path)
    done = loyalty(tmp_path, "serve", "--port", str(free_port()), LOYALTY_DATABASE_URL=url)
    assert done.returncode == code, done
    line = one_line(done)
    assert expected in line and "s3cret" not in line, line


def test_an_unmigrated_database_is_named(tmp_path: Path) -> None:
    assert loyalty(tmp_path, "db", "upgrade", "0006").returncode == 0
    done = loyalty(tmp_path, "serve", "--port", str(free_port()))
    assert done.returncode == 1 and "run `loyalty db upgrade`" in one_line(done)


def test_a_bad_setting_is_one_line_naming_it(tmp_path: Path) -> None:
    done = loyalty(tmp_path, "worker", LOYALTY_QUIET_HOURS_START="25")
    assert done.returncode == 2 and one_line(done).startswith("invalid settings: LOYALTY_QUIET_HOURS_START")


def test_postgres_urls_mean_psycopg_3() -> None:
    for given in ("postgres://u@h:5432/d", "postgresql://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"):
        settings = Settings(env="test", secret_key="k" * 40, database_url=given)
        assert settings.database_url == "postgresql+psycopg://u@h:5432/d"


@pytest.fixture
def health_app(settings: Settings, session: Session) -> FastAPI:
    app = create_app(
        settings.model_copy(
            update={
                "broker_url": os.environ.get("LOYALTY_TEST_REDIS_URL")
                or f"sqla+sqlite:///{Path(str(settings.outbox_dir)).parent}/b.sqlite"
            }
        )
    )
    app.dependency_overrides[get_session] = lambda: session
    return app


def test_healthz_and_readyz(health_app: FastAPI, session: Session, settings: Settings) -> None:
    with TestClient(health_app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        never = client.get("/readyz")
        assert never.status_code == 503
        assert never.json()["beat"].startswith("beat has never ticked")
        assert never.json()["database"] == never.json()["broker"] == "ok"

        beat(session, BEAT, utcnow() - timedelta(seconds=30))
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {
            "ready": True,
            "database": "ok",
            "broker": "ok",
            "beat": "ok",
        }
        beat(session, BEAT, utcnow() - timedelta(minutes=5))
        stale = client.get("/readyz")
        assert stale.status_code == 503 and "last ticked 3" in stale.json()["beat"]

        beat(session, BEAT, utcnow())
        health_app.state.settings = health_app.state.settings.model_copy(
            update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"}
        )
        no_broker = client.get("/readyz")
        assert no_broker.status_code == 503
        assert no_broker.json() == {
            "ready": False,
            "database": "ok",
            "broker": "cannot reach the broker",
            "beat": "ok",
        }


def test_celery_without_a_secret_fails_in_one_line(tmp_path: Path) -> None:
    """Issue 25 point 8: ``celery -A workers.app worker`` in production without a secret: one line naming
    the variable and exit code 2, not Celery's 41-line traceback of the import."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    environment["LOYALTY_ENV"] = "production"
    celery = str(Path(sys.executable).parent / "celery")
    done = subprocess.run(
        [celery, "-A", "workers.app", "worker"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("invalid settings: LOYALTY_SECRET_KEY"), done.stderr
