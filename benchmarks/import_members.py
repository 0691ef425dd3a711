"""How long importing a customer list takes: 100,000 rows on PostgreSQL and on SQLite.

    .venv/bin/python benchmarks/import_members.py [--rows 100000] [--url postgresql+psycopg://...]
    .venv/bin/python benchmarks/import_members.py --sqlite var/bench_import.sqlite

Writes a CSV (names, Turkish mobile numbers written as staff type them, e-mail for half, SMS consent with
its İYS evidence for 60 %, a refusal for 10 %, 1 % bad rows), imports it into a fresh database, then imports
it again (every row an existing member: nothing changes). A speed figure, not a test.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.database import fresh_database
from loyalty.core.db import make_engine
from loyalty.core.migrate import upgrade
from loyalty.members.importing import import_members

FIRST = [
    "Ayşe",
    "Elif",
    "Zeynep",
    "Mehmet",
    "Mustafa",
    "Can",
    "Deniz",
    "Ömer",
    "Şule",
    "İlker",
    "Gül",
    "Barış",
]
LAST = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan", "Doğan", "Koç"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "full_name,phone,email,locale,sms_consent,sms_source,sms_consent_date,email_consent,email_source,email_consent_date\n"
        )
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


def timed_import(url: str, path: Path) -> tuple[float, dict[str, int]]:
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine) as session, path.open(encoding="utf-8", newline="") as handle:
        report = import_members(
            session, handle, actor="bench", region="TR", default_locale="tr", timezone="Europe/Istanbul"
        )
        session.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, report.summary()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_import")
    parser.add_argument("--sqlite", type=Path, help="a SQLite file to create (instead of --url)")
    args = parser.parse_args()
    if args.sqlite:
        args.sqlite.unlink(missing_ok=True)
        url = f"sqlite:///{args.sqlite}"
        upgrade(url)
    else:
        url = args.url
        fresh_database(url)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "members.csv"
        write_csv(path, args.rows)
        first, summary = timed_import(url, path)
        print(f"{url.split(':')[0]}: first import {first:.1f} s ({args.rows / first:,.0f} rows/s) {summary}")
        again, summary = timed_import(url, path)
        print(
            f"{url.split(':')[0]}: same file again {again:.1f} s ({args.rows / again:,.0f} rows/s) {summary}"
        )
    engine = make_engine(url)
    with engine.connect() as conn:
        members = conn.execute(sa.text("SELECT COUNT(*) FROM members")).scalar()
        events = conn.execute(sa.text("SELECT COUNT(*) FROM consent_events")).scalar()
    print(f"members {members}, consent rows {events}")


if __name__ == "__main__":
    main()
