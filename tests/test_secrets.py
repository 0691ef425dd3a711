"""No published secret: a development install makes its own, production refuses to start without one,
and an access token must carry an expiry."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.core.settings import Settings
from loyalty.core.tokens import ACCESS, ALGORITHM
from tests.builders import make_user


def _dev(folder: Path) -> Settings:
    return Settings(env="development", database_url=f"sqlite:///{folder / 'var' / 'loyalty.sqlite'}")


def test_a_development_install_generates_its_own_secret_once(tmp_path: Path) -> None:
    first = _dev(tmp_path).secret_key
    kept = tmp_path / "var" / "secret_key"
    assert kept.read_text().strip() == first and len(first) >= 48
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert _dev(tmp_path).secret_key == first  # reused on every later start
    assert _dev(tmp_path / "elsewhere").secret_key != first  # each install its own
    assert [p.name for p in kept.parent.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: _dev(tmp_path).secret_key, range(16)))
    assert len(keys) == 1


def test_a_set_secret_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(
        env="development", database_url=f"sqlite:///{tmp_path}/loyalty.sqlite", secret_key="k" * 40
    )
    assert settings.secret_key == "k" * 40 and not (tmp_path / "secret_key").exists()


def test_an_unusable_secret_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("short\n")
    with pytest.raises(ValidationError, match="holds no usable secret"):
        _dev(tmp_path)
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ValidationError, match=r"cannot keep a generated secret .* set LOYALTY_SECRET_KEY"):
        Settings(env="development", secret_key_file=tmp_path / "a-file" / "secret_key")


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["run"]])
def test_production_without_a_secret_refuses_to_start_in_one_line(tmp_path: Path, command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    env |= {"LOYALTY_ENV": "production", "LOYALTY_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}
    done = subprocess.run(
        [sys.executable, "-c", "from cli import app; app()", *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "LOYALTY_SECRET_KEY is not set" in lines[0], done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "x.sqlite").exists()


def test_an_access_token_needs_an_expiry(client: TestClient, session: Session, settings: Settings) -> None:
    user = make_user(session, role="staff")
    now = utcnow()
    claims = {"sub": str(user.id), "role": "staff", "p": ACCESS, "iat": now, "ver": user.token_version}

    def me(extra: dict[str, object]) -> int:
        token = jwt.encode(claims | extra, settings.secret_key, algorithm=ALGORITHM)
        return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code

    assert me({"exp": now + timedelta(minutes=5)}) == 200
    assert me({}) == 401  # no exp: it would be good forever
    assert me({"exp": now - timedelta(seconds=1)}) == 401
    forged = jwt.encode(
        claims | {"exp": now + timedelta(minutes=5)}, "change-me-dev-only", algorithm=ALGORITHM
    )
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
