"""The ``loyalty`` command against a temporary SQLite database: db upgrade, users create, demo, serve, run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from cli import app
from cli.demo import DEMO_MEMBERS, DEMO_USERS
from loyalty.accounts.users import authenticate
from loyalty.core.settings import ROOT, get_settings
from loyalty.models.cards import Card
from loyalty.models.members import ConsentEvent, Member
from loyalty.models.purchases import Purchase
from loyalty.models.stores import Store
from loyalty.models.users import User
from tests.cli_support import engine_for, invoke, runner


def test_db_upgrade_builds_the_schema_in_a_new_directory(cli_env: dict[str, str]) -> None:
    assert "database at head" in invoke("db", "upgrade")
    tables = set(sa.inspect(engine_for(cli_env)).get_table_names())
    assert {"users", "members", "consent_events", "purchases", "cards", "alembic_version"} <= tables


def test_users_create_then_sign_in(cli_env: dict[str, str]) -> None:
    invoke("db", "upgrade")
    out = invoke("users", "create", "alice", "--role", "marketing", "--password", "uzun-parola-1")
    assert "created marketing user 'alice'" in out
    with Session(engine_for(cli_env)) as session:
        user = authenticate(session, "alice", "uzun-parola-1")
        assert user is not None and user.role == "marketing"
        assert authenticate(session, "alice", "wrong-password") is None
        assert user.password_hash != "uzun-parola-1"

    again = runner.invoke(app, ["users", "create", "alice", "--role", "staff", "--password", "uzun-parola-2"])
    assert again.exit_code == 1 and "already exists" in again.output
    short = runner.invoke(app, ["users", "create", "bob", "--role", "staff", "--password", "kısa"])
    assert short.exit_code == 1 and "at least 8" in short.output
    bad_role = runner.invoke(
        app, ["users", "create", "carol", "--role", "boss", "--password", "uzun-parola-3"]
    )
    assert bad_role.exit_code == 2
    with Session(engine_for(cli_env)) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 1


def test_demo_seeds_once_and_is_idempotent(cli_env: dict[str, str]) -> None:
    invoke("db", "upgrade")
    out = invoke("demo", "--if-empty")
    for username, _role, password, _name in DEMO_USERS:
        assert username in out and password in out  # the demo passwords are printed

    def counts() -> tuple[int, ...]:
        with Session(engine_for(cli_env)) as session:
            return tuple(
                session.exec(select(func.count()).select_from(table)).one()
                for table in (Store, User, Member, ConsentEvent, Purchase, Card)
            )

    first = counts()
    stores, users, members, _consent, purchases, cards = first
    needed = get_settings().card_visits_needed
    assert (stores, users, members) == (1, 3, len(DEMO_MEMBERS))
    assert purchases == sum(m.purchases for m in DEMO_MEMBERS)
    assert cards == sum(1 for m in DEMO_MEMBERS if m.purchases >= needed) >= 2

    with Session(engine_for(cli_env)) as session:
        for username, role, password, _name in DEMO_USERS:
            user = authenticate(session, username, password)
            assert user is not None and user.role == role
        zones = [m.timezone for m in session.exec(select(Member)).all()]
        assert zones.count("Europe/London") >= 2 and len(set(zones)) >= 3
        names = [m.full_name for m in session.exec(select(Member)).all()]
        assert any(ch in "".join(names) for ch in "ışğİŞÇÖÜ")
        stopped = session.exec(select(ConsentEvent).where(ConsentEvent.source == "sms keyword")).all()
        assert stopped and all(not e.granted for e in stopped)
        for event in stopped:
            member = session.get(Member, event.member_id)
            assert member is not None and member.sms_opt_in is False

    assert "not added" in invoke("demo", "--if-empty")
    assert counts() == first
    invoke("demo")  # without --if-empty: adds only what is missing, i.e. nothing
    assert counts() == first


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"the server exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def _start(cli_env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **cli_env}
    return subprocess.Popen(
        [sys.executable, "-c", "from cli import app; app()", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def test_demo_is_refused_in_production(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    invoke("db", "upgrade")
    monkeypatch.setenv("LOYALTY_ENV", "production")
    monkeypatch.setenv("LOYALTY_SECRET_KEY", "a-real-secret-for-this-test-0123456789")
    monkeypatch.setenv("LOYALTY_PUBLIC_BASE_URL", "https://shop.example")
    get_settings.cache_clear()
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 2 and "refused" in result.output
    with Session(engine_for(cli_env)) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_serve_answers_on_the_given_port(cli_env: dict[str, str]) -> None:
    invoke("db", "upgrade")
    port = _free_port()
    process = _start(cli_env, "serve", "--host", "127.0.0.1", "--port", str(port))
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/docs", process)
        assert httpx.get(f"{base}/openapi.json").json()["paths"]["/api/v1/members"]
        assert httpx.get(f"{base}/api/v1/members", params={"q": "a"}).status_code == 401
    finally:
        _stop(process)


def test_run_on_a_fresh_database_migrates_seeds_and_serves(cli_env: dict[str, str]) -> None:
    """What ``make run`` does after installing: the demo users can sign in and find demo members."""
    assert not Path(cli_env["LOYALTY_DATABASE_URL"].removeprefix("sqlite:///")).exists()
    port = _free_port()
    process = _start(cli_env, "run", "--no-worker", "--port", str(port))
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/docs", process)
        username, _role, password, _name = DEMO_USERS[0]
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": password})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        found = httpx.get(f"{base}/api/v1/members", params={"q": "ışık"}, headers=headers)
        assert found.status_code == 200 and [m["full_name"] for m in found.json()] == ["Mehmet IŞIK"]
        created = httpx.post(
            f"{base}/api/v1/members",
            json={"full_name": "Çağrı Öğüt", "phone": "0532 987 65 43", "consent": {"sms": True}},
            headers=headers,
        )
        assert created.status_code == 201 and created.json()["phone"] == "+905329876543"
    finally:
        _stop(process)
