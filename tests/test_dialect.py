"""The bulk steps of ``loyalty.core.dialect`` on PostgreSQL: ids drawn ahead, and a COPY whose end is waited
for in a helper thread while the caller works (a campaign builds its messages while its coupons go in)."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core import dialect
from tests.builders import make_member

pytestmark = pytest.mark.postgres_only

NAMES = ("member_id", "note")
TABLE = f"test_notes_{uuid.uuid4().hex[:8]}"  # the test's own table, its rows' keys checked as the product's


@pytest.fixture(autouse=True)
def notes(session: Session) -> Session:
    """A table of notes on members, made in the test's transaction and gone with its rollback."""
    session.connection().exec_driver_sql(
        f"CREATE TABLE {TABLE} (id serial PRIMARY KEY, "
        "member_id integer NOT NULL REFERENCES members (id), note text NOT NULL)"
    )
    return session


def _rows(member_id: int, days: range) -> list[tuple[object, ...]]:
    return [(member_id, f"gün {d}") for d in days]


def _count(session: Session, member_id: int) -> int:
    query = sa.text(f"SELECT count(*) FROM {TABLE} WHERE member_id = :m")
    return int(session.execute(query, {"m": member_id}).scalar_one())


def test_ids_drawn_ahead_are_new_and_distinct(session: Session) -> None:
    first = dialect.next_ids(session.connection(), TABLE, 500)
    second = dialect.next_ids(session.connection(), TABLE, 3)
    assert len(set(first + second)) == 503
    assert min(second) > max(first)  # one sequence: a later draw never hands out an earlier id
    assert dialect.next_ids(session.connection(), TABLE, 0) == []


def test_the_caller_works_while_the_copy_ends_and_gets_its_result(session: Session) -> None:
    member = make_member(session).id or 0
    threads: list[str] = []

    def meanwhile() -> str:
        threads.append(threading.current_thread().name)
        return "built"

    went_in, result = dialect.copy_new_rows_while(
        session.connection(), TABLE, NAMES, _rows(member, range(1, 21)), meanwhile
    )
    assert (went_in, result) == (True, "built")
    assert threads == [threading.current_thread().name]  # in the calling thread, once
    assert _count(session, member) == 20
    assert _count(session, member) == 20  # the connection is usable afterwards


def test_a_collision_leaves_nothing_and_still_returns_the_callers_result(session: Session) -> None:
    member = make_member(session).id or 0
    ids = dialect.next_ids(session.connection(), TABLE, 2)
    assert dialect.copy_new_rows(
        session.connection(), TABLE, ("id", *NAMES), [(ids[0], *_rows(member, range(1, 2))[0])]
    )
    rows = [(i, *row) for i, row in zip([ids[1], ids[0]], _rows(member, range(2, 4)), strict=True)]
    went_in, result = dialect.copy_new_rows_while(
        session.connection(), TABLE, ("id", *NAMES), rows, lambda: "built"
    )
    assert (went_in, result) == (False, "built")
    assert _count(session, member) == 1  # the savepoint took the new row back, the earlier one stays


def test_the_callers_error_comes_after_the_copy_ended(session: Session) -> None:
    member = make_member(session).id or 0

    def meanwhile() -> None:
        raise RuntimeError("building failed")

    with pytest.raises(RuntimeError, match="building failed"):
        dialect.copy_new_rows_while(session.connection(), TABLE, NAMES, _rows(member, range(1, 6)), meanwhile)
    assert _count(session, member) == 5  # the COPY ended; the caller's unit of work decides what stays
