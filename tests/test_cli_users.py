"""``loyalty users list | disable | enable | set-password`` and ``create`` with a prompted password."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import sys
import termios
import time

from sqlmodel import Session
from sqlmodel import select as sql_select

from cli import app
from loyalty.accounts.throttle import ACCOUNT_LIMIT, record_failure, throttled
from loyalty.accounts.users import authenticate
from loyalty.core.db import utcnow
from loyalty.models.users import User
from tests.cli_support import engine_for, flat, invoke, runner


def _user(env: dict[str, str], name: str) -> User:
    with Session(engine_for(env)) as session:
        user = session.exec(sql_select(User).where(User.username == name)).one()
        session.expunge(user)
        return user


def _signs_in(env: dict[str, str], name: str, password: str) -> bool:
    with Session(engine_for(env)) as session:
        return authenticate(session, name, password) is not None


def test_create_with_the_password_from_standard_input_then_list_disable_enable(
    cli_env: dict[str, str],
) -> None:
    invoke("db", "upgrade")
    created = runner.invoke(app, ["users", "create", "ayse", "--role", "staff"], input="uzun-parola-1\n")
    assert created.exit_code == 0, created.output
    assert "uzun-parola-1" not in created.output
    assert _signs_in(cli_env, "ayse", "uzun-parola-1")
    invoke("users", "create", "mert", "--role", "marketing", input="uzun-parola-2\n")

    listed = flat(invoke("users", "list"))
    assert "ayse staff" in listed and "mert marketing" in listed and listed.count(" yes ") == 2

    assert "disabled 'ayse'" in invoke("users", "disable", "ayse")
    assert not _signs_in(cli_env, "ayse", "uzun-parola-1")
    assert _user(cli_env, "ayse").token_version == 1
    assert "ayse staff no" in flat(invoke("users", "list"))
    invoke("users", "enable", "ayse")
    assert _signs_in(cli_env, "ayse", "uzun-parola-1")

    missing = runner.invoke(app, ["users", "disable", "nobody"])
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.output


def test_set_password_reads_it_never_from_the_command_line(cli_env: dict[str, str]) -> None:
    invoke("db", "upgrade")
    invoke("users", "create", "deniz", "--role", "admin", input="ilk-parola-123\n")
    changed = runner.invoke(app, ["users", "set-password", "deniz"], input="yeni-parola-456\n")
    assert changed.exit_code == 0, changed.output
    assert _signs_in(cli_env, "deniz", "yeni-parola-456") and not _signs_in(
        cli_env, "deniz", "ilk-parola-123"
    )
    assert _user(cli_env, "deniz").token_version == 1

    short = runner.invoke(app, ["users", "set-password", "deniz"], input="kısa\n")
    assert short.exit_code == 1 and "at least 8" in short.output
    argument = runner.invoke(app, ["users", "set-password", "deniz", "--password", "yeni-parola-789"])
    assert argument.exit_code == 2  # there is no such option
    assert _signs_in(cli_env, "deniz", "yeni-parola-456")


def test_on_a_terminal_the_password_is_asked_twice_and_not_echoed(cli_env: dict[str, str]) -> None:
    invoke("db", "upgrade")
    invoke("users", "create", "elif", "--role", "staff", input="ilk-parola-123\n")
    pid, terminal = pty.fork()  # the child gets the terminal as its controlling tty, as in a shell
    if pid == 0:  # pragma: no cover - the child
        try:
            command = ["-c", "from cli import app; app()", "users", "set-password", "elif"]
            os.execve(sys.executable, [sys.executable, *command], os.environ | cli_env)
        finally:
            os._exit(127)  # never go on running the test suite in the child
    screen = b""

    def answer(prompt: bytes) -> None:
        """Wait for ``prompt`` with echo switched off on the terminal, then type the password."""
        nonlocal screen
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if select.select([terminal], [], [], 0.2)[0]:
                screen += os.read(terminal, 1024)
            if prompt in screen and not termios.tcgetattr(terminal)[3] & termios.ECHO:
                os.write(terminal, b"terminal-pass-1\r")
                return
        raise AssertionError(screen)

    answer(b"Password")
    answer(b"Repeat for confirmation")
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(OSError):
        while select.select([terminal], [], [], 0.2)[0]:
            screen += os.read(terminal, 1024)
    os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, screen
    assert b"terminal-pass-1" not in screen and b"new password for" in screen
    assert _signs_in(cli_env, "elif", "terminal-pass-1")


def test_unlock_lifts_an_admin_throttled_from_every_address(cli_env: dict[str, str]) -> None:
    """Issue 25 point 8: 50 failures from anywhere slow an admin down everywhere; the server's operator
    lifts it with one command (no sign-in needed)."""
    invoke("db", "upgrade")
    invoke("users", "create", "patron", "--role", "admin", input="uzun-parola-9\n")
    now = utcnow()
    with Session(engine_for(cli_env)) as session:
        for n in range(ACCOUNT_LIMIT):
            record_failure(session, "patron", f"203.0.113.{n}", now)
        session.commit()
        assert throttled(session, "patron", "198.51.100.7", now) is not None  # locked from a new address
    assert "unlocked 'patron' (50 failed sign-ins forgotten)" in flat(invoke("users", "unlock", "patron"))
    with Session(engine_for(cli_env)) as session:
        assert throttled(session, "patron", "198.51.100.7", utcnow()) is None
    missing = runner.invoke(app, ["users", "unlock", "nobody"])
    assert missing.exit_code != 0
