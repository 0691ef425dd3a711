"""The one place that speaks a database dialect: inserts with ``ON CONFLICT``, bulk COPY and staging tables.

Domain services call these by intent ("insert or skip", "copy these rows", "copy them unless one exists",
"stage rows in a temporary table") and never reach the PostgreSQL driver themselves; a test in
``tests/test_architecture.py`` keeps ``driver_connection`` and the dialect choice in this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from functools import cache
from typing import Any, TypeVar

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from loyalty.core.db import is_postgres

Rows = Iterable[Sequence[Any]]
T = TypeVar("T")


def insert(session: Session, table: sa.Table) -> Any:
    """``INSERT`` in the session's dialect, with ``on_conflict_do_nothing`` / ``on_conflict_do_update``
    (and ``RETURNING``) available on both PostgreSQL and SQLite."""
    return (postgresql if is_postgres(session) else sqlite).insert(table)


def _driver(connection: sa.Connection) -> Any:
    """The psycopg connection under SQLAlchemy's, in the same transaction."""
    return connection.connection.driver_connection


def column_types(connection: sa.Connection, table: str, names: Sequence[str]) -> list[int]:
    """PostgreSQL type oids of ``names`` in ``table`` (a temporary table too), for a binary COPY."""
    found: dict[str, int] = dict(
        connection.execute(
            sa.text(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = CAST(:table AS regclass) "
                "AND attnum > 0 AND NOT attisdropped"
            ),
            {"table": table},
        ).all()
    )
    return [int(found[name]) for name in names]


def copy_rows(
    connection: sa.Connection,
    table: str,
    names: Sequence[str],
    rows: Rows,
    *,
    binary: bool = True,
    types: Sequence[int | str] | None = None,
) -> None:
    """PostgreSQL: COPY ``rows`` (values in ``names`` order) into ``table``. Binary by default, with the
    column types read from the catalogue unless given; ``binary=False`` lets the driver adapt each value."""
    columns = ", ".join(names)
    if binary and types is None:
        types = column_types(connection, table, names)  # before the COPY holds the connection
    with _driver(connection).cursor() as cursor:
        if not binary:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(list(types or ()))
            for row in rows:
                copy.write_row(row)


def next_ids(connection: sa.Connection, table: str, count: int) -> list[int]:
    """PostgreSQL: ``count`` ids drawn from ``table``'s id sequence, for rows copied in with their ids, so
    the caller knows each row's id without reading the rows back. Unused ids leave gaps, as rollbacks do."""
    if count <= 0:
        return []
    driver = _driver(connection)
    sequence = driver.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    # the sequence named as a constant (a looked-up one costs ~4 us a call on the server), the ids in one
    # array straight from the driver (a row per id through SQLAlchemy's result: ~5 us an id)
    drawn = driver.execute(
        sql.SQL("SELECT array_agg(nextval({})) FROM generate_series(1, %s)").format(sql.Literal(sequence)),
        (count,),
    )
    return list(drawn.fetchone()[0])


def copy_new_rows(connection: sa.Connection, table: str, names: Sequence[str], rows: Rows) -> bool:
    """PostgreSQL: binary COPY straight into ``table`` inside a savepoint, for the common case where every
    row is new. False when one collided with a unique index: the savepoint is rolled back (nothing of
    this call stays) and the caller takes its slower path."""
    return _copy_new_rows(connection, table, names, rows, None)[0]


def copy_new_rows_while(
    connection: sa.Connection, table: str, names: Sequence[str], rows: Rows, meanwhile: Callable[[], T]
) -> tuple[bool, T]:
    """:func:`copy_new_rows`, with ``meanwhile()`` run once every row is sent, in the calling thread, while a
    helper thread waits for the end of the COPY: the server checks the rows' foreign keys then (after-row
    triggers, fired at the end of the statement), for about as long as the rows took to send, and this
    process has nothing else to wait for. ``meanwhile`` must not use the connection. Its result comes back
    whether the rows went in or not; its error, after the COPY has ended."""
    return _copy_new_rows(connection, table, names, rows, meanwhile)


def _copy_new_rows(
    connection: sa.Connection,
    table: str,
    names: Sequence[str],
    rows: Rows,
    meanwhile: Callable[[], T] | None,
) -> tuple[bool, Any]:
    types = column_types(connection, table, names)
    result = None
    with _driver(connection).cursor() as cursor:
        cursor.execute("SAVEPOINT copy_new_rows")
        try:
            with ExitStack() as copying:
                copy = copying.enter_context(
                    cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)")
                )
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
                if meanwhile is not None:
                    ending = copying.pop_all()  # the end of the COPY, waited for in a helper thread
            if meanwhile is not None:
                with ThreadPoolExecutor(1, thread_name_prefix="copy-end") as helper:
                    ended = helper.submit(ending.close)
                    try:
                        result = meanwhile()
                    finally:
                        wait([ended])
                    ended.result()
        except psycopg.errors.UniqueViolation:
            cursor.execute("ROLLBACK TO SAVEPOINT copy_new_rows")
            return False, result
        cursor.execute("RELEASE SAVEPOINT copy_new_rows")
    return True, result


@contextmanager
def staging_table(
    connection: sa.Connection, name: str, *, like: str | None = None, names: Sequence[str] = (), ddl: str = ""
) -> Iterator[str]:
    """PostgreSQL: a temporary table for one bulk step, dropped after it (and at commit in any case).
    Either ``like`` a table's ``names`` columns (no rows) or with the column definitions ``ddl``."""
    if like is not None:
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS SELECT {', '.join(names)} FROM {like} "
            "WITH NO DATA"
        )
    else:
        connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({ddl}) ON COMMIT DROP")
    yield name
    # (on an error the transaction is rolled back, and the temporary table with it)
    connection.exec_driver_sql(f"DROP TABLE {name}")


def truncate(connection: sa.Connection, table: str) -> None:
    connection.exec_driver_sql(f"TRUNCATE {table}")


def insert_then(
    session: Session,
    table: sa.Table,
    values: dict[str, Any],
    *,
    conflict: str,
    then: sa.Table,
    then_values: dict[str, Any] | None,
    key: str,
) -> sa.Row[Any] | None:
    """``INSERT INTO table ... ON CONFLICT (conflict) DO NOTHING RETURNING *`` and, when it inserted a row,
    insert ``then_values`` into ``then`` with ``key`` set to the new row's id: one statement on PostgreSQL
    (the second insert reads the first one's ``RETURNING``), two elsewhere. The inserted row, or None.

    The statement is built once per shape (tables, column names) with bound parameters: building a CTE and
    its cache key on every call cost more than the rest of a purchase's SQL (a hot path at the counter)."""
    postgres = is_postgres(session)
    follow = None if then_values is None else tuple(name for name in then_values if name != key)
    statement = _insert_then_statement(postgres, table, tuple(values), conflict, then, follow, key)
    params = dict(values)
    if then_values is not None and postgres:
        params.update({f"then_{name}": then_values[name] for name in follow or ()})
    row = session.execute(statement, params).first()
    if row is not None and then_values is not None and not postgres:
        session.execute(sa.insert(then), {**then_values, key: row.id})
    return row


@cache
def _insert_then_statement(
    postgres: bool,
    table: sa.Table,
    names: tuple[str, ...],
    conflict: str,
    then: sa.Table,
    follow: tuple[str, ...] | None,
    key: str,
) -> Any:
    statement = (
        (postgresql if postgres else sqlite)
        .insert(table)
        .values({name: sa.bindparam(name, type_=table.c[name].type) for name in names})
        .on_conflict_do_nothing(index_elements=[conflict])
        .returning(*table.c)
    )
    if follow is None or not postgres:
        return statement
    new = statement.cte("new_row")
    bound = (sa.bindparam(f"then_{name}", type_=then.c[name].type) for name in follow)
    after = sa.insert(then).from_select([*follow, key], sa.select(*bound, new.c.id))
    return sa.select(new).add_cte(after.cte("follow_row"))


class EachRow:
    """Many rows written by one statement: ``col(name)`` is a row's value of ``name`` inside it.

    PostgreSQL, two rows or more (``arrays``): a FROM over arrays (``unnest(CAST(:name AS type[]), ...)
    AS each_row(...)``), one parameter a column and one round trip, whatever the number of rows.
    Otherwise: bound parameters, the statement executed once per row (SQLite runs in the process: a row
    costs it little). Built by ``each_row``, run by ``execute_each``, ``returning_each`` or
    ``insert_each``. A statement written with one EachRow runs with the rows of any other of the same
    ``arrays`` and types: a hot path builds it once (``claims.record_sent_many``)."""

    def __init__(self, arrays: bool, types: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        self.arrays, self.types, self.rows = arrays, types, rows
        self.source: Any = None
        if self.arrays:
            columns = [sa.cast(sa.bindparam(f"each_{n}", type_=ARRAY(t)), ARRAY(t)) for n, t in types.items()]
            self.source = sa.func.unnest(*columns).table_valued(*types).render_derived(name="each_row")

    def col(self, name: str) -> Any:
        if self.arrays:
            return self.source.c[name]
        return sa.bindparam(f"each_{name}", type_=self.types[name])

    def params(self, fixed: dict[str, Any] | None = None) -> dict[str, Any] | list[dict[str, Any]]:
        """The statement's parameters: each row's values, with ``fixed`` (the same for every row)."""
        if self.arrays:
            return {f"each_{name}": [row[name] for row in self.rows] for name in self.types} | (fixed or {})
        return [{f"each_{name}": row[name] for name in self.types} | (fixed or {}) for row in self.rows]


def each_row(session: Session, types: dict[str, Any], rows: list[dict[str, Any]]) -> EachRow:
    """``rows`` (dicts with the keys of ``types``: name -> SQL type) for one ``execute_each``. Over arrays
    on PostgreSQL from two rows on: one row (an e-mail's record) goes as plain parameters, which cost
    less than building the arrays' FROM."""
    return EachRow(is_postgres(session) and len(rows) > 1, types, rows)


def execute_each(session: Session, statement: Any, each: EachRow, fixed: dict[str, Any] | None = None) -> int:
    """Run an UPDATE or DELETE written with ``each.col(...)`` for every row of ``each``: the rows it
    changed (PostgreSQL changes a row once however many of ``each`` name it)."""
    if not each.rows:
        return 0
    result: Any = session.connection().execute(statement, each.params(fixed))
    return int(result.rowcount)


def returning_each(
    session: Session, statement: Any, each: EachRow, fixed: dict[str, Any] | None = None
) -> list[sa.Row[Any]]:
    """``execute_each`` of a statement with ``RETURNING``: the rows it returned (in no given order)."""
    if not each.rows:
        return []
    connection = session.connection()
    params = each.params(fixed)
    if isinstance(params, dict):  # over arrays: one statement
        return list(connection.execute(statement, params))
    return [row for one in params for row in connection.execute(statement, one)]


def insert_each(
    session: Session, table: sa.Table, rows: list[dict[str, Any]], *, skip_conflicts: bool = False
) -> None:
    """``INSERT`` of ``rows`` (dicts of the same column names) in one statement on PostgreSQL (over
    arrays, see ``EachRow``), a row at a time elsewhere; ``skip_conflicts``: ``ON CONFLICT DO NOTHING``."""
    if not rows:
        return
    names = list(rows[0])
    each = each_row(session, {name: table.c[name].type for name in names}, rows)
    statement = insert(session, table)
    if each.arrays:
        statement = statement.from_select(names, sa.select(*(each.col(name) for name in names)))
    if skip_conflicts:
        statement = statement.on_conflict_do_nothing()
    session.connection().execute(statement, each.params() if each.arrays else rows)


def among(column: Any, values: Sequence[Any], *, postgres: bool) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL one array parameter (``= ANY(:values)``) rather than hundreds."""
    if postgres:
        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))
