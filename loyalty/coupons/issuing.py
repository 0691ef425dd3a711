"""Issuing coupons in bulk, exactly once.

Set-based and idempotent: unique per (run, member), or for an occasion campaign per (run, occasion) (a
member's own birthday and her daughter's on one day are two coupons), with ``ON CONFLICT DO NOTHING``, so
a retried or concurrent run issues nothing twice; a code that collides with an existing one is redrawn.
On PostgreSQL a run's first pass is copied straight in, its ids drawn beforehand so that the caller gets
the coupons back without reading them; a pass where some exist already, or a code collided, is staged with
COPY and inserted from there. SQLite uses executemany."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core import dialect
from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime, is_postgres
from loyalty.coupons.codes import new_code
from loyalty.coupons.offers import Offer
from loyalty.models.coupons import COUPONS, CouponStatus

ISSUE_CHUNK = 50_000  # rows staged per round trip when issuing


MAX_CODE_ATTEMPTS = 8  # redraws for codes that collided; 2**-54 per pair makes a second round already rare


C = COUPONS.c
T = TypeVar("T")

Issue = tuple[int, datetime, datetime] | tuple[int, datetime, datetime, int | None]
"""What to issue: (member_id, valid_from UTC, expires_at UTC[, occasion_id])."""

_Row = tuple[int, int | None, datetime, datetime]  # member_id, occasion_id, valid_from, expires_at
_Key = tuple[int, int | None]  # member_id, occasion_id: one coupon each per run

NewCoupon = tuple[int, str, str, Decimal, Decimal | None, datetime, datetime, int, int | None]
"""A coupon just issued: (id, code, offer_kind, offer_value, min_purchase, valid_from, expires_at,
member_id, occasion_id), the columns ``campaigns.content.RunMessages.coupons_of`` reads back."""


@dataclass(frozen=True)
class Issued(Generic[T]):
    """What one call issued: how many, and, when every row went straight in with its id drawn beforehand
    (PostgreSQL, a run's first pass), the coupons themselves, so their messages need not read them back,
    and what ``meanwhile`` made of them. ``coupons`` and ``built`` None: some rows took the staged path (a
    retry, a collision, SQLite); read them back."""

    count: int
    coupons: list[NewCoupon] | None
    built: list[T] | None = None


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
    members: Iterable[Issue],
    offer: Offer,
    code_source: Callable[[], str] = new_code,
) -> int:
    """:func:`issue_coupon_rows`, the number newly issued."""
    return issue_coupon_rows(
        session, campaign_id=campaign_id, run_id=run_id, members=members, offer=offer, code_source=code_source
    ).count


def issue_coupon_rows(
    session: Session,
    *,
    campaign_id: int,
    run_id: int,
    members: Iterable[Issue],
    offer: Offer,
    code_source: Callable[[], str] = new_code,
    meanwhile: Callable[[list[NewCoupon]], list[T]] | None = None,
) -> Issued[T]:
    """Issue one coupon per member of the run (tuples: member_id, valid_from UTC, expires_at UTC), or for
    an occasion campaign one per occasion (a fourth item: the occasion's id).

    ``meanwhile``: called with the coupons about to go in while PostgreSQL finishes their COPY (it checks
    their foreign keys), so that work costs no time of its own; it must not use the session. Its results
    come back as ``built`` when every coupon went in that way.

    Set-based: staged with COPY and inserted with one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` on
    PostgreSQL, an ``INSERT ... ON CONFLICT DO NOTHING`` executemany on SQLite. Members (occasions) who
    already have a coupon of this run are skipped, so a retry after a crash, or a second worker on the same
    run, issues nothing twice; codes that collide with existing ones are redrawn. Flushes, never
    commits."""
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
    coupons: list[NewCoupon] | None = []
    built: list[T] | None = []
    for batch in _batches(members, ISSUE_CHUNK):
        unique: dict[_Key, _Row] = {}
        for item in batch:
            member_id, valid_from, expires_at = int(item[0]), item[1], item[2]
            occasion_id = None if len(item) < 4 or item[3] is None else int(item[3])
            _check_aware(valid_from, "valid_from")
            _check_aware(expires_at, "expires_at")
            unique.setdefault((member_id, occasion_id), (member_id, occasion_id, valid_from, expires_at))
        rows = sorted(unique.values(), key=lambda r: (r[0], -1 if r[1] is None else r[1]))
        part = issue(session, offer_values, rows, code_source, meanwhile)
        issued += part.count
        coupons = None if coupons is None or part.coupons is None else coupons + part.coupons
        built = None if built is None or part.built is None else built + part.built
    return Issued(issued, coupons, built if coupons is not None else None)


def _issue_sqlite(
    session: Session,
    offer_values: dict[str, Any],
    rows: list[_Row],
    code_source: Callable[[], str],
    meanwhile: Callable[[list[NewCoupon]], list[T]] | None,
) -> Issued[T]:
    """``meanwhile`` is not called: nothing here waits on the database that work could hide (it shares
    ``_issue_postgres``' signature), and the coupons are read back, not handed back (``coupons=None``)."""
    run_id = offer_values["run_id"]
    ids = sorted({r[0] for r in rows})

    def having_coupons() -> set[_Key]:
        found: set[_Key] = set()
        for part in _batches(ids, 900):
            query = sa.select(C.member_id, C.occasion_id).where(C.run_id == run_id, C.member_id.in_(part))
            found.update((m, o) for m, o in session.execute(query))
        return found

    before = having_coupons()
    pending = [r for r in rows if r[:2] not in before]
    stmt = dialect.insert(session, COUPONS).on_conflict_do_nothing()
    for _attempt in range(MAX_CODE_ATTEMPTS):
        if not pending:
            break
        params = [
            {
                **offer_values,
                "member_id": m,
                "occasion_id": o,
                "valid_from": f,
                "expires_at": e,
                "code": code_source(),
            }
            for m, o, f, e in pending
        ]
        session.execute(stmt, params)
        done = having_coupons()
        pending = [r for r in pending if r[:2] not in done]  # left: their code collided
    else:
        if pending:
            raise RuntimeError(f"could not draw unique coupon codes for {len(pending)} members")
    session.flush()
    return Issued(len(having_coupons() - before), None)  # read back: no ids were drawn


_STAGE = "coupon_stage"
_STAGE_COLUMNS = (
    "member_id integer NOT NULL, occasion_id integer, code text NOT NULL, valid_from timestamptz NOT NULL, "
    "expires_at timestamptz NOT NULL"
)


def _issue_postgres(
    session: Session,
    offer_values: dict[str, Any],
    rows: list[_Row],
    code_source: Callable[[], str],
    meanwhile: Callable[[list[NewCoupon]], list[T]] | None,
) -> Issued[T]:
    connection = session.connection()
    run_id = offer_values["run_id"]

    def having_coupons(part: list[_Row]) -> set[_Key]:
        ids = sorted({r[0] for r in part})
        return {(m, o) for m, o in connection.execute(_HAVING, {"run_id": run_id, "ids": ids})}

    # a retry after a crash: most members are done, stage only the rest; a run without coupons when this
    # transaction first looked needs no look per batch (a coupon there anyway fails the COPY below on the
    # run's unique index, and that batch is staged instead)
    done = set() if _fresh_run(session, connection, run_id) else having_coupons(rows)
    pending = [r for r in rows if r[:2] not in done]
    drawn: Iterator[str] = iter(())
    if not done and pending:
        codes = [code_source() for _ in pending]
        ids = dialect.next_ids(connection, "coupons", len(pending))
        new = _new_coupons(offer_values, pending, codes, ids)
        went_in, built = _copy_new(connection, offer_values, pending, codes, ids, meanwhile, new)
        if went_in:
            return Issued(len(pending), new, built)
        drawn = iter(codes)  # staged with the same codes first: only the colliding ones are redrawn

    def draw() -> str:
        return next(drawn, None) or code_source()

    if not pending:  # a retry of a batch whose coupons are all issued
        return Issued(0, None)
    issued = 0
    with dialect.staging_table(connection, _STAGE, ddl=_STAGE_COLUMNS):
        for attempt in range(MAX_CODE_ATTEMPTS):
            if not pending:
                break
            if attempt:
                dialect.truncate(connection, _STAGE)
            _copy_stage(connection, pending, draw)
            inserted = {(m, o) for m, o in connection.execute(_INSERT_STAGED, offer_values)}
            issued += len(inserted)
            rest = [r for r in pending if r[:2] not in inserted]
            if rest:  # another worker issued them meanwhile, or their code collided: redraw for the latter
                done = having_coupons(rest)
                pending = [r for r in rest if r[:2] not in done]
            else:
                pending = []
        else:
            if pending:
                raise RuntimeError(f"could not draw unique coupon codes for {len(pending)} members")
    return Issued(issued, None)


_INSERT_STAGED = sa.text(
    f"""
    INSERT INTO coupons (campaign_id, run_id, member_id, occasion_id, code, offer_kind, offer_value,
                         min_purchase, currency, valid_from, expires_at, status, created_at)
    SELECT CAST(:campaign_id AS integer), CAST(:run_id AS integer), s.member_id, s.occasion_id, s.code,
           CAST(:offer_kind AS varchar), CAST(:offer_value AS numeric), CAST(:min_purchase AS numeric),
           CAST(:currency AS varchar), s.valid_from, s.expires_at, CAST(:status AS varchar),
           CAST(:created_at AS timestamptz)
    FROM {_STAGE} s
    WHERE NOT EXISTS (SELECT 1 FROM coupons c WHERE c.run_id = :run_id AND c.member_id = s.member_id
                      AND c.occasion_id IS NOT DISTINCT FROM s.occasion_id)
    ORDER BY s.member_id, s.occasion_id
    ON CONFLICT DO NOTHING
    RETURNING member_id, occasion_id
    """
).bindparams(sa.bindparam("created_at", type_=UTCDateTime()))
_HAVING = sa.text(
    "SELECT member_id, occasion_id FROM coupons WHERE run_id = :run_id AND member_id = ANY(:ids)"
)
# each half on its partial unique index (run_id = ... alone matches neither, and would scan the table)
_RUN_HAS_COUPONS = sa.text(
    "SELECT EXISTS (SELECT 1 FROM coupons WHERE run_id = :run_id AND occasion_id IS NULL) "
    "OR EXISTS (SELECT 1 FROM coupons WHERE run_id = :run_id AND occasion_id IS NOT NULL)"
)


def _fresh_run(session: Session, connection: sa.Connection, run_id: int) -> bool:
    """Whether the run had no coupon when this transaction first asked (asked once per transaction and
    run: ``_HAVING`` reads every coupon the batch's members ever had, in every run)."""
    key = ("coupons.fresh_run", run_id)
    transaction = session.get_transaction()
    asked = session.info.get(key)
    if asked is not None and asked[0] is transaction:
        return bool(asked[1])
    fresh = not connection.execute(_RUN_HAS_COUPONS, {"run_id": run_id}).scalar_one()
    session.info[key] = (transaction, fresh)
    return fresh


def _new_coupons(
    offer_values: dict[str, Any], rows: Sequence[_Row], codes: Sequence[str], ids: Sequence[int]
) -> list[NewCoupon]:
    """The coupons :func:`_copy_new` wrote, as their columns read back (the offer's amounts are in cents
    already, as numeric(12, 2) reads them)."""
    kind, value, minimum = (offer_values[name] for name in ("offer_kind", "offer_value", "min_purchase"))
    return [
        (coupon_id, code, kind, value, minimum, valid_from, expires_at, member_id, occasion_id)
        for coupon_id, code, (member_id, occasion_id, valid_from, expires_at) in zip(
            ids, codes, rows, strict=True
        )
    ]


_COLUMNS = (
    "member_id",
    "occasion_id",
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
    rows: Sequence[_Row],
    codes: Sequence[str],
    ids: Sequence[int],
    meanwhile: Callable[[list[NewCoupon]], list[T]] | None,
    new: list[NewCoupon],
) -> tuple[bool, list[T] | None]:
    """The common case (a run's first pass, no member of the batch has its coupon yet): binary COPY straight
    into ``coupons``, with the ids drawn beforehand, ``meanwhile(new)`` run while it ends. False when a row
    collided (a code already taken, or a coupon a second worker issued meanwhile): nothing of it stays and
    the caller stages the rows."""
    fixed = tuple(offer_values[name] for name in _COLUMNS[5:])
    rows_in = (
        (coupon_id, member_id, occasion_id, code, valid_from, expires_at, *fixed)
        for coupon_id, (member_id, occasion_id, valid_from, expires_at), code in zip(
            ids, rows, codes, strict=True
        )
    )
    names = ("id", *_COLUMNS)
    if meanwhile is None:
        return dialect.copy_new_rows(connection, "coupons", names, rows_in), None
    return dialect.copy_new_rows_while(connection, "coupons", names, rows_in, lambda: meanwhile(new))


def _copy_stage(connection: sa.Connection, rows: Sequence[_Row], code_source: Callable[[], str]) -> None:
    dialect.copy_rows(
        connection,
        _STAGE,
        ("member_id", "occasion_id", "code", "valid_from", "expires_at"),
        ((member, occasion, code_source(), start, end) for member, occasion, start, end in rows),
        types=["int4", "int4", "text", "timestamptz", "timestamptz"],
    )
