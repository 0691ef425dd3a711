"""``loyalty.core.dialect``'s writes of many rows in one statement (arrays on PostgreSQL, a row at a time on
SQLite): the claim and the record of a send batch go through them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.core import dialect
from loyalty.models.members import Member, MemberLink
from tests.builders import make_member

WHEN = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def test_an_update_for_each_row_writes_each_rows_values_and_counts_the_rows_it_changed(
    session: Session,
) -> None:
    first, second, third = (make_member(session) for _ in range(3))
    kept = (third.full_name, third.paused_until)
    table = Member.__table__  # type: ignore[attr-defined]
    each = dialect.each_row(
        session,
        {"id": table.c.id.type, "name": table.c.full_name.type, "until": table.c.paused_until.type},
        [
            {"id": first.id, "name": "Ayşe Yılmaz", "until": WHEN},
            {"id": second.id, "name": "Ömer Çelik", "until": None},
            {"id": third.id, "name": "not this one", "until": WHEN},  # the WHERE leaves it out
        ],
    )
    changed = dialect.execute_each(
        session,
        sa.update(table)
        .where(table.c.id == each.col("id"), table.c.id != third.id)
        .values(full_name=each.col("name"), paused_until=each.col("until")),
        each,
    )
    assert changed == 2
    rows = session.exec(
        select(Member.full_name, Member.paused_until)
        .where(col(Member.id).in_([first.id, second.id, third.id]))
        .order_by(col(Member.id))
    ).all()
    assert [tuple(r) for r in rows] == [("Ayşe Yılmaz", WHEN), ("Ömer Çelik", None), kept]
    assert dialect.execute_each(session, sa.update(table), dialect.each_row(session, {}, [])) == 0


def test_an_insert_of_many_rows_skips_those_that_collide_when_asked(session: Session) -> None:
    member = make_member(session)
    table = MemberLink.__table__  # type: ignore[attr-defined]
    day = date(2026, 12, 7)
    link = {"member_id": member.id, "link_version": 0, "issued_on": day, "expires_at": WHEN}
    dialect.insert_each(session, table, [{"key": "firstKey0001", **link}])
    dialect.insert_each(
        session,
        table,
        [{"key": "secondKey001", **link}, {"key": "thirdKey0001", **link, "issued_on": date(2026, 12, 8)}],
        skip_conflicts=True,  # the first collides on (member, version, day): skipped, the second goes in
    )
    found = session.execute(
        sa.select(table.c.key, table.c.issued_on, table.c.expires_at)
        .where(table.c.member_id == member.id)
        .order_by(table.c.issued_on)
    ).all()
    assert [tuple(r) for r in found] == [
        ("firstKey0001", day, WHEN),
        ("thirdKey0001", date(2026, 12, 8), WHEN),
    ]
