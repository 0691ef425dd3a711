"""How the upcoming-occasions query behaves at scale (PostgreSQL): seed, time, EXPLAIN.

    .venv/bin/python benchmarks/upcoming_occasions.py [--members 1000000] [--url postgresql+psycopg://...]

Builds a fresh database (default ``bench_upcoming`` on 127.0.0.1; it is dropped and recreated), seeds
members with COPY (most in Europe/Istanbul, the rest spread over a dozen zones including both sides of
the date line) and ~1.2 occasions each (yearly with and without a year, one-offs, Feb 29s, some retired),
then times ``upcoming_occasions`` for several windows, counts the SQL statements it ran and prints
``EXPLAIN (ANALYZE, BUFFERS)`` of each. A speed figure, not a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._database import fresh_database
from loyalty.core.db import make_engine
from loyalty.occasions.windows import due_reminders, upcoming_occasions

ZONES = [
    ("Europe/Istanbul", 80),
    ("Europe/Berlin", 4),
    ("Europe/London", 3),
    ("America/New_York", 2),
    ("America/Los_Angeles", 2),
    ("Asia/Tokyo", 2),
    ("Asia/Dubai", 2),
    ("Australia/Sydney", 1),
    ("Pacific/Kiritimati", 1),
    ("Pacific/Pago_Pago", 1),
    ("Pacific/Auckland", 1),
    ("UTC", 1),
]
KINDS = [("birthday", "yearly"), ("wedding_anniversary", "yearly"), ("new_job", "once"), ("new_home", "once")]


def seed(engine: sa.Engine, members: int, rng: random.Random) -> None:
    zone_names = [z for z, _ in ZONES]
    weights = [w for _, w in ZONES]
    created = datetime(2026, 1, 1, tzinfo=UTC)
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        member_columns = (
            "id, full_name, phone, locale, timezone, preferred_channel, name_search, phone_valid, "
            "sms_opt_in, email_opt_in, paused, created_at"
        )
        with cursor.copy(f"COPY members ({member_columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for i in range(1, members + 1):
                zone = rng.choices(zone_names, weights)[0]
                paused = rng.random() < 0.02
                copy.write_row(
                    (
                        i,
                        f"Üye {i}",
                        f"+90500{i:07d}",
                        "tr",
                        zone,
                        "sms",
                        f"üye {i}",
                        True,
                        True,
                        False,
                        paused,
                        created,
                    )
                )
        seeded_members = time.perf_counter() - start

        occasion_columns = (
            "member_id, kind, for_whom, purpose, year, month, day, recurrence, remind_days_before, "
            "stated_by, status, created_at"
        )
        count = 0
        start = time.perf_counter()
        with cursor.copy(f"COPY occasions ({occasion_columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for member_id in range(1, members + 1):
                for _ in range(1 if rng.random() < 0.8 else 2):
                    kind, recurrence = rng.choice(KINDS)
                    when = date(2000, 1, 1) + timedelta(days=rng.randrange(366))  # 2000 is leap: Feb 29s too
                    year: int | None
                    if recurrence == "once":
                        year = rng.choice((2025, 2026, 2027))
                        if (when.month, when.day) == (2, 29):
                            year = 2028
                    else:
                        year = None if rng.random() < 0.3 else rng.randrange(1950, 2020)
                        if year is not None and (when.month, when.day) == (2, 29):
                            year = 2000
                    status = "retired" if rng.random() < 0.05 else "active"
                    copy.write_row(
                        (
                            member_id,
                            kind,
                            "self",
                            "kutlama",
                            year,
                            when.month,
                            when.day,
                            recurrence,
                            3,
                            "member",
                            status,
                            created,
                        )
                    )
                    count += 1
        raw.commit()
        seeded_occasions = time.perf_counter() - start
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT setval('members_id_seq', (SELECT max(id) FROM members))")
        conn.exec_driver_sql("ANALYZE members")
        conn.exec_driver_sql("ANALYZE occasions")
    print(f"seeded {members:,} members in {seeded_members:.1f}s ({members / seeded_members:,.0f}/s, COPY)")
    print(f"seeded {count:,} occasions in {seeded_occasions:.1f}s ({count / seeded_occasions:,.0f}/s, COPY)")


class Recorder:
    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        self.statements.append((statement, parameters))


def measure(
    engine: sa.Engine,
    label: str,
    repeat: int,
    service: Callable[..., list[Any]] = upcoming_occasions,
    **kwargs: Any,
) -> list[tuple[str, Any]]:
    timings = []
    rows = 0
    recorder = Recorder()
    for attempt in range(repeat):
        with Session(engine) as session:
            if attempt == repeat - 1:
                sa.event.listen(engine, "before_cursor_execute", recorder)
            start = time.perf_counter()
            rows = len(service(session, **kwargs))
            timings.append(time.perf_counter() - start)
            sa.event.remove(engine, "before_cursor_execute", recorder) if attempt == repeat - 1 else None
    statements = [s for s in recorder.statements if s[0].lstrip().upper().startswith("SELECT")]
    print(
        f"\n== {label}: {rows:,} rows, median {statistics.median(timings) * 1000:.0f} ms "
        f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}; {repeat} runs), "
        f"{len(statements)} SQL statements"
    )
    return statements


def explain(engine: sa.Engine, statements: list[tuple[str, Any]]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            for (line,) in cursor.fetchall():
                print("   ", line)
            print()
    finally:
        raw.rollback()
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_upcoming")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-seed", action="store_true", help="reuse the database seeded by a previous run")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        raise SystemExit("this benchmark needs PostgreSQL (COPY, EXPLAIN ANALYZE)")
    if not args.no_seed:
        fresh_database(args.url)
    engine = make_engine(args.url)
    if not args.no_seed:
        seed(engine, args.members, random.Random(42))

    now = datetime(2026, 12, 29, 10, 30, tzinfo=UTC)  # three local dates at once; the window wraps the year
    cases = [
        ("today only (days=1)", {"days": 1}),
        ("the reminder day (days=1, offset_days=3)", {"days": 1, "offset_days": 3}),
        ("next 7 days, wrapping the year end", {"days": 7}),
        (
            "next 30 days, birthdays only, paused excluded",
            {"days": 30, "kinds": ["birthday"], "exclude_paused": True},
        ),
        ("API page: next 30 days, first 1000", {"days": 30, "limit": 1000}),
        ("a whole year (days=366)", {"days": 366}),
    ]
    for label, kwargs in cases:
        repeat = 2 if kwargs.get("days", 0) > 60 and "limit" not in kwargs else args.repeat
        statements = measure(engine, label, repeat, now=now, **kwargs)
        if kwargs.get("days") in (7,) or "limit" in kwargs:
            explain(engine, statements)
    # the workers' daily reminders: filtered in SQL, against fetching 61 days and filtering in Python
    statements = measure(
        engine, "due_reminders (remind_days_before in SQL)", args.repeat, due_reminders, now=now
    )
    explain(engine, statements)
    measure(engine, "upcoming_occasions(days=61) then filter in Python", 2, days=61, now=now)
    engine.dispose()


if __name__ == "__main__":
    main()
