"""Can this process do its duty? Checks shared by ``loyalty serve|worker|run`` (fail fast, one line) and
``/readyz``: the database reachable and migrated, the broker reachable, beat's state file writable, beat's
heartbeat fresh. Each check returns None when all is well, else one line saying what is wrong (never a
password)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from kombu import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlmodel import Session

from loyalty.core.db import make_engine
from loyalty.core.migrate import alembic_config
from loyalty.core.settings import Settings
from loyalty.messaging.heartbeats import BEAT, last_beat

BEAT_STALE = timedelta(minutes=3)  # beat ticks every minute; three missed ticks mean it is not running
TIMEOUT = 3  # seconds for each network check


def shown(url: str) -> str:
    """A URL fit for a message: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def database_url_problem(url: str) -> str | None:
    """A URL SQLAlchemy cannot use (unknown scheme or driver); checked without connecting."""
    try:
        make_url(url).get_dialect().import_dbapi()
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as exc:
        return f"LOYALTY_DATABASE_URL {shown(url)!r} is not a database URL SQLAlchemy can use ({exc})"
    return None


def database_problem(url: str, *, migrated: bool = True) -> str | None:
    """The database cannot be reached, or (``migrated``) is not at the newest migration."""
    problem = database_url_problem(url)
    if problem:
        return problem
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return f"no database at {shown(url)}: run `loyalty db upgrade` first"
    args = {"connect_timeout": TIMEOUT} if url.startswith("postgresql") else {}
    engine = make_engine(url, connect_args=args) if args else make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision() if migrated else None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"cannot reach the database at {shown(url)}: {reason}"
    finally:
        engine.dispose()
    if migrated:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        if current != head:
            where = f"the database at {shown(url)} is at migration {current}, not {head}"
            return f"{where}: run `loyalty db upgrade`"
    return None


def call_seconds(settings: Settings) -> float:
    """The longest one provider call can take: up to two requests (a reconciling look-up, then the
    send), each cut off at the channel's timeout."""
    return 2 * max(settings.twilio_timeout, settings.smtp_timeout)


def batch_seconds(settings: Settings) -> float:
    """The longest a send job can hold its claims: its calls one after another on each thread, each up to
    two provider requests (a reconciling look-up, then the send) cut off at the channel's timeout, after
    the pacing wait of the whole batch."""
    size = max(settings.send_batch, 1)
    per_call = call_seconds(settings)
    rounds = -(-size // max(min(settings.send_threads, size), 1))
    rates = [r for r in (settings.sms_rate, settings.email_rate) if r > 0]
    pacing = size / min(rates) if rates else 0.0
    return pacing + rounds * per_call


def lease_problem(settings: Settings) -> str | None:
    """Settings under which a send job could outlive its claims' lease (the fence then skips the late
    messages, which another worker sends: safe, but slow): refused at start-up."""
    worst = batch_seconds(settings)
    if worst < settings.message_lease_seconds:
        return None
    return (
        f"a send job can take {worst:.0f} s (LOYALTY_SEND_BATCH={settings.send_batch}, "
        f"LOYALTY_SEND_THREADS={settings.send_threads}, provider timeouts, pacing) but its claims are "
        f"leased for LOYALTY_MESSAGE_LEASE_SECONDS={settings.message_lease_seconds} s: "
        "raise the lease or send smaller batches"
    )


def load_broker_transport(url: str) -> None:
    """Import the broker's transport (kombu loads it on first use) without connecting: the first
    ``broker_problem`` after a start would otherwise spend its time budget importing, not asking."""
    with contextlib.suppress(Exception):  # an unknown scheme is broker_problem's to name
        Connection(url).transport  # noqa: B018


def broker_problem(url: str) -> str | None:
    try:
        with Connection(url, connect_timeout=TIMEOUT) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=TIMEOUT)
    except Exception as exc:  # kombu raises its own, the transport's or OSError: all mean "not reachable"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot reach the broker at {shown(url)}: {reason}"
    return None


def beat_state_problem(path: Path) -> str | None:
    """Beat keeps its schedule state in ``path`` (a shelve: it may add a suffix); its folder must be
    writable. The folder is created when missing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".beat-check-"):
            pass
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as exc:
        return (
            f"beat cannot keep its schedule in {path} ({exc.strerror}): "
            "set LOYALTY_BEAT_SCHEDULE_FILE to a writable place"
        )
    return None


def beat_problem(session: Session, now: datetime) -> str | None:
    at = last_beat(session, BEAT)
    if at is None:
        return "beat has never ticked: is `loyalty worker --beat` running?"
    if now - at > BEAT_STALE:
        return (
            f"beat last ticked {int((now - at).total_seconds())} s ago: is `loyalty worker --beat` running?"
        )
    return None
