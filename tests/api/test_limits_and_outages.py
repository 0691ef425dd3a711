"""Issue 25 points 2, 3 and 8 (headers): request bodies over the limit are refused before anything parses
them or asks who is calling; a lost database is a JSON 503 with Retry-After, /readyz answers within 2 s
and /healthz needs no database; a 500 carries the security headers too. Issue 24: a pooled connection the
server closed (a restart) is replaced before use, without a round trip per checkout."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.pool import NullPool

from api.body_limit import IMPORT_LIMIT, JSON_LIMIT
from api.main import create_app
from loyalty.core.settings import Settings


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_a_json_body_over_1_mib_is_refused_before_authentication_and_parsing(client: TestClient) -> None:
    big = json.dumps({"full_name": "x" * (JSON_LIMIT + 10), "phone": "+905321234567"})
    declared = client.post("/api/v1/members", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413  # not 401: no token was even looked at
    assert declared.json()["detail"]["limit_bytes"] == JSON_LIMIT
    assert "1 MiB" in declared.json()["detail"]["message"]
    assert declared.headers["x-content-type-options"] == "nosniff"

    chunked = client.post(  # no Content-Length: read only up to the limit
        "/api/v1/members", content=_chunks(JSON_LIMIT * 4), headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 413 and chunked.json()["detail"]["limit_bytes"] == JSON_LIMIT

    small = client.post("/api/v1/members", json={"full_name": "Ayşe", "phone": "+905321234567"})
    assert small.status_code == 401  # under the limit: on to authentication as before


def test_the_import_upload_has_its_own_cap(client: TestClient) -> None:
    two_mib = b"full_name,phone\n" + b"a,+905321234567\n" * (2 * 1024 * 1024 // 16)
    under = client.post("/api/v1/members/import", files={"file": ("m.csv", two_mib, "text/csv")})
    assert under.status_code == 401  # over the JSON limit, under the import's: authentication decides
    over = client.post(
        "/api/v1/members/import",
        content=_chunks(IMPORT_LIMIT + 128 * 1024),
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert over.status_code == 413 and "64 MiB" in over.json()["detail"]["message"]


def test_a_500_carries_the_security_headers(app: FastAPI) -> None:
    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


class Blackhole:
    """A TCP port that accepts connections and never answers: a database behind a network partition."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def lost_database(db_url: str, tmp_path: Path) -> str:
    """The same kind of database, gone: SQLite's file on a volume that is not there; PostgreSQL refusing."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'unmounted' / 'loyalty.sqlite'}"
    return f"postgresql+psycopg://postgres@127.0.0.1:{_unused_port()}/loyalty"


def test_a_lost_database_is_a_json_503_with_retry_after(settings: Settings, lost_database: str) -> None:
    app = create_app(settings.model_copy(update={"database_url": lost_database, "broker_url": "memory://"}))
    with TestClient(app, raise_server_exceptions=False) as client:
        signin = client.post("/api/v1/auth/token", data={"username": "a", "password": "b"})
        assert signin.status_code == 503, signin.text
        answer = signin.json()  # no Accept-Language: the shop's language (Turkish)
        assert signin.headers["retry-after"] == "5" and answer["key"] == "common.database_unavailable"
        assert "veritabanı" in answer["detail"]
        assert signin.headers["x-content-type-options"] == "nosniff"
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["database"] == "cannot read the database"


@pytest.mark.postgres_only
def test_a_partitioned_database_gets_answers_within_seconds_not_minutes(settings: Settings) -> None:
    hole = Blackhole()
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{hole.port}/loyalty"
        app = create_app(settings.model_copy(update={"database_url": url, "broker_url": "memory://"}))
        with TestClient(app, raise_server_exceptions=False) as client:
            started = time.monotonic()
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["database"] == "cannot read the database"
            assert time.monotonic() - started < 5  # its short probe timeout, with room for a loaded machine
            started = time.monotonic()
            signin = client.post("/api/v1/auth/token", data={"username": "a", "password": "b"})
            assert signin.status_code == 503 and signin.headers["retry-after"] == "5"
            assert time.monotonic() - started < 10  # the connect timeout (5 s), not TCP's minutes
            assert client.get("/healthz").status_code == 200
    finally:
        hole.close()


def _terminate(url: str, pid: int) -> None:
    """What a database restart does to one connection: the server ends its backend."""
    # autocommit: pg_stat_activity is read once per transaction, so one transaction would poll a stale copy
    admin = sa.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(600):
                gone = sa.text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid")
                if conn.execute(gone, {"pid": pid}).first() is None:
                    return
                time.sleep(0.05)
        raise AssertionError(f"backend {pid} still there")
    finally:
        admin.dispose()


@pytest.mark.postgres_only
def test_a_connection_the_server_closed_in_the_pool_is_replaced_before_use(settings: Settings) -> None:
    """No round trip before each use (no pool_pre_ping), and still no failed request after a restart."""
    app = create_app(settings.model_copy(update={"broker_url": "memory://"}))
    engine = app.state.engine
    engine.dispose()  # one pooled connection after the first request: the one terminated below
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/readyz").json()["database"] == "ok"
        with engine.connect() as conn:
            pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        _terminate(settings.database_url, pid)
        ready = client.get("/readyz")
        assert ready.json()["database"] == "ok", ready.text
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != pid
