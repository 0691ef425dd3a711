"""Issuing coupons in bulk, exactly once.

Set-based and idempotent: ``unique(run_id, member_id)`` with ``ON CONFLICT DO NOTHING``, so a retried or
concurrent run issues nothing twice; a code that collides with an existing one is redrawn. PostgreSQL
stages rows with COPY; SQLite uses executemany."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from loyalty.core.db import UTCDateTime, is_postgres, utcnow
from loyalty.coupons.codes import new_code
from loyalty.coupons.offers import Offer
from loyalty.models.coupons import COUPONS, CouponStatus

ISSUE_CHUNK = 50_000  # rows staged per round trip when issuing


MAX_CODE_ATTEMPTS = 8  # redraws for codes that collided; 2**-54 per pair makes a second round already rare


C = COUPONS.c


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _check_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware UTC datetime, got a naive one")


def issue_coupons(
    session: Session,
    *,
    campaign_id: int,
    run_id: int,
    members: Iterable[tuple[int, datetime, datetime]],
    offer: Offer,
    code_source: Callable[[], str] = new_code,
) -> int:
    """Issue one coupon per member of the run (tuples: member_id, valid_from UTC, expires_at UTC).

    Set-based: staged with COPY and inserted with one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` on
    PostgreSQL, an ``INSERT ... ON CONFLICT DO NOTHING`` executemany on SQLite. Members who already have a
    coupon of this run are skipped, so a retry after a crash, or a second worker on the same run, issues
    nothing twice; codes that collide with existing ones are redrawn. Returns the number newly issued.
    Flushes, never commits."""
    session.flush()
    issue = _issue_postgres if is_postgres(session) else _issue_sqlite
    offer_values = {
        "campaign_id": campaign_id,
        "run_id": run_id,
        "offer_kind": str(offer.kind),
        "offer_value": offer.value,
        "min_purchase": offer.min_purchase,
        "currency": offer.currency,
        "status": CouponStatus.issued.value,
        "created_at": utcnow(),
    }
    issued = 0
    for batch in _batches(members, ISSUE_CHUNK):
        unique: dict[int, tuple[int, datetime, datetime]] = {}
        for member_id, valid_from, expires_at in batch:
            _check_aware(valid_from, "valid_from")
            _check_aware(expires_at, "expires_at")
            unique.setdefault(int(member_id), (int(member_id), valid_from, expires_at))
        issued += issue(session, offer_values, sorted(unique.values()), code_source)
    return issued


def _issue_sqlite(
    session: Session,
    offer_values: dict[str, Any],
    rows: list[tuple[int, datetime, datetime]],
    code_source: Callable[[], str],
) -> int:
    run_id = offer_values["run_id"]
    ids = [r[0] for r in rows]

    def having_coupons() -> set[int]:
        found: set[int] = set()
        for part in _batches(ids, 900):
            query = sa.select(C.member_id).where(C.run_id == run_id, C.member_id.in_(part))
            found.update(session.execute(query).scalars())
        return found

    before = having_coupons()
    pending = [r for r in rows if r[0] not in before]
    stmt = sqlite.insert(COUPONS).on_conflict_do_nothing()
    for _attempt in range(MAX_CODE_ATTEMPTS):
        if not pending:
            break
        params = [
            {**offer_values, "member_id": m, "valid_from": f, "expires_at": e, "code": code_source()}
            for m, f, e in pending
        ]
        session.execute(stmt, params)
        done = having_coupons()
        pending = [r for r in pending if r[0] not in done]  # left: their code collided
    else:
        if pending:
            raise RuntimeError(f"could not draw unique coupon codes for {len(pending)} members")
    session.flush()
    return len(having_coupons() - before)


_STAGE = "coupon_stage"


def _issue_postgres(
    session: Session,
    offer_values: dict[str, Any],
    rows: list[tuple[int, datetime, datetime]],
    code_source: Callable[[], str],
) -> int:
    connection = session.connection()
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_STAGE} (member_id integer NOT NULL, code text NOT NULL, "
        "valid_from timestamptz NOT NULL, expires_at timestamptz NOT NULL) ON COMMIT DROP"
    )
    insert = sa.text(
        f"""
        INSERT INTO coupons (campaign_id, run_id, member_id, code, offer_kind, offer_value, min_purchase,
                             currency, valid_from, expires_at, status, created_at)
        SELECT CAST(:campaign_id AS integer), CAST(:run_id AS integer), s.member_id, s.code,
               CAST(:offer_kind AS varchar), CAST(:offer_value AS numeric), CAST(:min_purchase AS numeric),
               CAST(:currency AS varchar), s.valid_from, s.expires_at, CAST(:status AS varchar),
               CAST(:created_at AS timestamptz)
        FROM {_STAGE} s
        WHERE NOT EXISTS (SELECT 1 FROM coupons c WHERE c.run_id = :run_id AND c.member_id = s.member_id)
        ORDER BY s.member_id
        ON CONFLICT DO NOTHING
        RETURNING member_id
        """
    ).bindparams(sa.bindparam("created_at", type_=UTCDateTime()))
    having = sa.text("SELECT member_id FROM coupons WHERE run_id = :run_id AND member_id = ANY(:ids)")
    run_id = offer_values["run_id"]

    def having_coupons(part: list[tuple[int, datetime, datetime]]) -> set[int]:
        ids = [r[0] for r in part]
        return set(connection.execute(having, {"run_id": run_id, "ids": ids}).scalars())

    done = having_coupons(rows)  # a retry after a crash: most members are done, stage only the rest
    pending = [r for r in rows if r[0] not in done]
    drawn: Iterator[str] = iter(())
    if not done and pending:
        codes = [code_source() for _ in pending]
        if _copy_new(connection, offer_values, pending, codes):
            connection.exec_driver_sql(f"DROP TABLE {_STAGE}")
            return len(pending)
        drawn = iter(codes)  # staged with the same codes first: only the colliding ones are redrawn

    def draw() -> str:
        return next(drawn, None) or code_source()

    issued = 0
    for attempt in range(MAX_CODE_ATTEMPTS):
        if not pending:
            break
        if attempt:
            connection.exec_driver_sql(f"TRUNCATE {_STAGE}")
        _copy_stage(connection, pending, draw)
        inserted = set(connection.execute(insert, offer_values).scalars())
        issued += len(inserted)
        rest = [r for r in pending if r[0] not in inserted]
        if rest:  # another worker issued them meanwhile, or their code collided: redraw for the latter
            done = having_coupons(rest)
            pending = [r for r in rest if r[0] not in done]
        else:
            pending = []
    else:
        if pending:
            raise RuntimeError(f"could not draw unique coupon codes for {len(pending)} members")
    # (on an error the transaction is rolled back, and the temporary table with it)
    connection.exec_driver_sql(f"DROP TABLE {_STAGE}")
    return issued


_COLUMNS = (
    "member_id",
    "code",
    "valid_from",
    "expires_at",
    "campaign_id",
    "run_id",
    "offer_kind",
    "offer_value",
    "min_purchase",
    "currency",
    "status",
    "created_at",
)


def _copy_new(
    connection: sa.Connection,
    offer_values: dict[str, Any],
    rows: Sequence[tuple[int, datetime, datetime]],
    codes: Sequence[str],
) -> bool:
    """The common case (a run's first pass, no member of the batch has its coupon yet): binary COPY straight
    into ``coupons`` inside a savepoint. False when a row collided (a code already taken, or a coupon a
    second worker issued meanwhile): the savepoint is rolled back and the caller stages the rows."""
    types: dict[str, int] = dict(
        connection.execute(
            sa.text(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = CAST('coupons' AS regclass) "
                "AND attnum > 0 AND NOT attisdropped"
            )
        ).all()
    )
    fixed = tuple(offer_values[name] for name in _COLUMNS[4:])
    driver: Any = connection.connection.driver_connection  # psycopg.Connection, same transaction
    with driver.cursor() as cursor:
        cursor.execute("SAVEPOINT coupon_rows")
        try:
            with cursor.copy(f"COPY coupons ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([int(types[name]) for name in _COLUMNS])
                for (member_id, valid_from, expires_at), code in zip(rows, codes, strict=True):
                    copy.write_row((member_id, code, valid_from, expires_at, *fixed))
        except psycopg.errors.UniqueViolation:
            cursor.execute("ROLLBACK TO SAVEPOINT coupon_rows")
            return False
        cursor.execute("RELEASE SAVEPOINT coupon_rows")
    return True


def _copy_stage(
    connection: sa.Connection, rows: Sequence[tuple[int, datetime, datetime]], code_source: Callable[[], str]
) -> None:
    driver: Any = connection.connection.driver_connection  # psycopg.Connection, same transaction
    with (
        driver.cursor() as cursor,
        cursor.copy(
            f"COPY {_STAGE} (member_id, code, valid_from, expires_at) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(["int4", "text", "timestamptz", "timestamptz"])
        for member_id, valid_from, expires_at in rows:
            copy.write_row((member_id, code_source(), valid_from, expires_at))
