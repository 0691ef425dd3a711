"""Engine, sessions and the column types every table shares.

Domain services take a ``Session`` and flush; only the API request and the Celery task commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns: a larger value is refused as input (422), not a 500


RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


def utcnow() -> datetime:
    return datetime.now(UTC)


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


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


_engines: dict[str, Engine] = {}


def get_engine(url: str) -> Engine:
    """One engine per URL per process (the API and each worker process share theirs)."""
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


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
