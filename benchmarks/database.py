"""The scratch PostgreSQL database: drop, create, migrate (Alembic), seed with COPY, and the COPY limit.

Bulk data never goes through the ORM: rows are generated in Python and streamed with COPY, a million
members in seconds. Deterministic (a fixed random seed), so two runs measure the same data.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from benchmarks import product

ROOT = Path(__file__).resolve().parent.parent

# Time zones with weights out of 100: mostly Istanbul, a few on both sides of the date line
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
ZONE_OF = [zone for zone, weight in ZONES for _ in range(weight)]  # index: member id % 100
FIRST = [
    "Ayşe",
    "Mehmet",
    "Fatma",
    "Mustafa",
    "Emine",
    "Ahmet",
    "Hatice",
    "Ali",
    "Zeynep",
    "Hüseyin",
    "Elif",
    "İbrahim",
    "Şükrü",
    "Çağrı",
    "Gülşen",
    "Özlem",
    "Ümit",
    "Irmak",
    "Deniz",
    "Işıl",
]
LAST = [
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Yıldız",
    "Yıldırım",
    "Öztürk",
    "Aydın",
    "Özdemir",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Aslan",
    "Çetin",
    "Kara",
    "Koç",
    "Kurt",
    "Özkan",
    "Şimşek",
]
KINDS = [("birthday", "yearly"), ("wedding_anniversary", "yearly"), ("new_job", "once"), ("new_home", "once")]


def conninfo(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://...) as a libpq connection string."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fresh_database(url: str) -> None:
    """Drop and create the database ``url`` names, then build it with the project's Alembic migrations.

    Refuses a database whose name does not contain "bench": it is dropped without asking."""
    target = make_url(url)
    name = target.database or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: a benchmark database's name must contain 'bench'")
    admin = conninfo(target.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "LOYALTY_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), "upgrade", "head"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"alembic upgrade head failed:\n{done.stdout}{done.stderr}")


def member_count(url: str) -> int | None:
    """Members in the database ``url`` names; None when it does not exist or has no schema yet."""
    try:
        with psycopg.connect(conninfo(url)) as conn:
            row = conn.execute("SELECT count(*) FROM members").fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return None


@dataclass
class Seeded:
    members: int
    occasions: int
    purchases: int
    seconds: float


def seed(url: str, members: int) -> Seeded:
    """Members (SMS opt-in, a third by e-mail too, 2% paused, 12 time zones), ~1.2 occasions each and a
    purchase for every second member, all by COPY; then ANALYZE."""
    rng = random.Random(42)
    started = time.perf_counter()
    created = datetime(2026, 1, 1, tzinfo=UTC)
    names = [(f"{f} {last}", product.fold(f"{f} {last}")) for f in FIRST for last in LAST]
    occasions = purchases = 0
    with psycopg.connect(conninfo(url)) as conn, conn.cursor() as cur:
        columns = (
            "id, full_name, name_search, phone, email, locale, timezone, preferred_channel, phone_valid, "
            "sms_opt_in, email_opt_in, paused, created_at"
        )
        with cur.copy(f"COPY members ({columns}) FROM STDIN") as copy:
            for i in range(1, members + 1):
                full_name, folded = names[i % len(names)]
                by_email = i % 3 == 0
                copy.write_row(
                    (
                        i,
                        full_name,
                        folded,
                        f"+90532{i:07d}",
                        f"uye{i}@example.com" if by_email else None,
                        "en" if i % 5 == 0 else "tr",
                        ZONE_OF[i % 100],
                        "email" if by_email else "sms",
                        True,
                        i % 10 != 9,  # a tenth never opted in to SMS
                        by_email,
                        i % 50 == 0,
                        created,
                    )
                )
        columns = (
            "member_id, kind, for_whom, purpose, year, month, day, recurrence, remind_days_before, "
            "stated_by, status, created_at"
        )
        with cur.copy(f"COPY occasions ({columns}) FROM STDIN") as copy:
            for member_id in range(1, members + 1):
                for _ in range(1 if rng.random() < 0.8 else 2):
                    kind, recurrence = KINDS[rng.randrange(len(KINDS))]
                    when = date(2000, 1, 1) + timedelta(days=rng.randrange(366))  # 2000 is leap: Feb 29s
                    year: int | None
                    if recurrence == "once":
                        year = 2028 if (when.month, when.day) == (2, 29) else rng.choice((2025, 2026, 2027))
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
                    occasions += 1
        columns = "member_id, receipt_id, amount, occurred_at, created_at"
        now = datetime.now(UTC)
        with cur.copy(f"COPY purchases ({columns}) FROM STDIN") as copy:
            for member_id in range(2, members + 1, 2):
                at = now - timedelta(days=member_id % 300, minutes=member_id % 600)
                copy.write_row((member_id, f"seed-{member_id}", "125.50", at, at))
                purchases += 1
        cur.execute("SELECT setval('members_id_seq', (SELECT max(id) FROM members))")
        conn.commit()
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return Seeded(members, occasions, purchases, time.perf_counter() - started)


IMPORT_HEADER = (
    "full_name,phone,email,locale,sms_consent,sms_source,sms_consent_date,"
    "email_consent,email_source,email_consent_date"
)


def write_import_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A customer list as a shop hands it over: names, Turkish mobile numbers written as staff type them
    ("0532 000 12 34"), an e-mail for half, SMS consent with its İYS evidence for 60%, a refusal for 10%,
    e-mail consent for a quarter, 1% bad phones. Deterministic for a given seed."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write(IMPORT_HEADER + "\n")
        for n in range(rows):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            phone = (
                f"0532 {n // 10000:03d} {(n // 100) % 100:02d} {n % 100:02d}" if rng.random() > 0.01 else "12"
            )
            email = f"musteri{n}@example.com" if n % 2 == 0 else ""
            roll = rng.random()
            sms = (
                ("evet", "HS_ISLAK_IMZA", "2025-02-01")
                if roll < 0.6
                else (("hayır", "", "") if roll < 0.7 else ("", "", ""))
            )
            mail = ("evet", "HS_WEB", "2025-02-02") if email and rng.random() < 0.5 else ("", "", "")
            out.write(f"{name},{phone},{email},tr,{','.join(sms)},{','.join(mail)}\n")


def checkpoint(url: str) -> None:
    """Flush dirty pages now, so a measurement does not pay for the previous one's writes."""
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def count(url: str, table: str) -> int:
    with psycopg.connect(conninfo(url)) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


def copy_limit(url: str, tables: list[str]) -> dict[str, Any]:
    """The database's own write speed for the rows now in ``tables``: dump them (binary COPY TO), empty
    the tables, then time a binary COPY of the same rows back into the same tables, all indexes and
    constraints in place, in one transaction. Leaves the tables as they were. Seconds per table."""
    with tempfile.TemporaryDirectory(prefix="bench-copy-") as folder:
        files = {table: Path(folder) / f"{table}.bin" for table in tables}
        rows: dict[str, int] = {}
        with psycopg.connect(conninfo(url)) as conn, conn.cursor() as cur:
            for table in tables:
                with (
                    files[table].open("wb") as out,
                    cur.copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as copy,
                ):
                    for block in copy:
                        out.write(block)
                rows[table] = cur.rowcount
            # CASCADE: coupon_redemptions (empty here) refers to coupons
            cur.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            conn.commit()
        checkpoint(url)
        seconds: dict[str, float] = {}
        with psycopg.connect(conninfo(url)) as conn, conn.cursor() as cur:
            started = time.perf_counter()
            for table in tables:
                table_started = time.perf_counter()
                with (
                    files[table].open("rb") as data,
                    cur.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy,
                ):
                    while block := data.read(1 << 20):
                        copy.write(block)
                seconds[table] = time.perf_counter() - table_started
            conn.commit()
            total = time.perf_counter() - started  # the commit included, as in the product's run
    return {"seconds": total, "tables": seconds, "rows": rows}
