"""Engine, sessions and the column types every table shares.

Domain services take a ``Session`` and flush; only the API request and the Celery task commit.
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

from loyalty.core import clock

MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns: a larger value is refused as input (422), not a 500


RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


utcnow = clock.utcnow  # kept for imports written before the clock: new code imports loyalty.core.clock


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite stores it naive, PostgreSQL as timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SQLITE_BUSY_TIMEOUT_MS = 30_000  # a writer waits this long for the write lock before "database is locked"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # let SQLAlchemy emit BEGIN itself, so SAVEPOINTs work (pysqlite's own handling breaks them)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


READ_ONLY = "loyalty_read_only"  # execution option: this engine's transactions only read


def _sqlite_begin(conn: Connection) -> None:
    """Writers open with BEGIN IMMEDIATE: they queue on the busy timeout for the one write lock.

    A deferred BEGIN that reads first and writes later fails at once with "database is locked" when
    another connection wrote meanwhile (WAL cannot upgrade a stale snapshot; the busy timeout never
    applies). A read-only transaction (``READ_ONLY``) stays deferred: in WAL it reads a snapshot and never
    waits for a writer.
    """
    deferred = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


CONNECT_TIMEOUT_S = 5  # a database that does not answer a new connection within this is down
POOL_TIMEOUT_S = 5  # waiting for a free pooled connection longer than this: busy, answered 503
TCP_USER_TIMEOUT_MS = 15_000  # data unacknowledged this long (a network partition): the connection is dead
STATEMENT_TIMEOUT_S = 600  # workers and commands; the API passes its own, shorter one


def postgres_connect_args(*, statement_timeout_s: int | None = None) -> dict[str, Any]:
    """libpq's own timeouts: connecting, a dead peer noticed by keepalives and TCP_USER_TIMEOUT (a
    partition otherwise hangs a query for TCP's retransmission time, ~15 minutes), and the statement."""
    args: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
    }
    if statement_timeout_s:
        args["options"] = f"-c statement_timeout={statement_timeout_s * 1000}"
    return args


API_THREADS = 40  # the API process's thread pool (api.main sets it): sync routes and dependencies run there
# one pooled connection per thread; the overflow covers requests that hold their session's connection
# between two thread-pool calls (a dependency's read, then the route) while no thread of theirs runs
POOL_SIZE = API_THREADS
POOL_OVERFLOW = API_THREADS // 2
POOL_RECYCLE_S = 1800  # replace a connection after this long (a proxy or firewall may drop old ones silently)


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server closed meanwhile (a restart, a terminated backend, keepalives that
    failed) is replaced before use: an idle connection's socket is readable only with the server's goodbye
    or EOF. One poll() instead of ``pool_pre_ping``'s round trip on every checkout; a partition that
    sends nothing is caught by ``tcp_user_timeout`` and the keepalives (``postgres_connect_args``)."""
    if dbapi_connection.closed:
        raise DisconnectionError("connection closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection")


def make_engine(url: str, *, statement_timeout_s: int | None = None, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args = {**postgres_connect_args(statement_timeout_s=statement_timeout_s)}
    connect_args.update(kwargs.pop("connect_args", {}))
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_S)
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_S)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "checkout", _closed_by_server)
    return engine


_engines: dict[tuple[str, int], Engine] = {}


def get_engine(url: str, *, statement_timeout_s: int = STATEMENT_TIMEOUT_S) -> Engine:
    """One engine per URL (and statement timeout) per process (the API and each worker process share
    theirs)."""
    key = (url, statement_timeout_s)
    if key not in _engines:
        _engines[key] = make_engine(url, statement_timeout_s=statement_timeout_s)
    return _engines[key]


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session for a boundary (a task, a CLI command): the caller commits; errors roll back."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


def is_postgres(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"
