"""How long importing a customer list takes, on PostgreSQL or SQLite, first into an empty database and then
the same file again (every row an existing member: nothing changes). A speed figure, not a test.

    .venv/bin/python -m benchmarks.import_members [--rows 100000] [--url postgresql+psycopg://...bench...]
    .venv/bin/python -m benchmarks.import_members --sqlite var/bench_import.sqlite

The import beside binary COPY of the same rows, in one run, is `BENCH_ONLY=import make bench`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks import database, product


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_import")
    parser.add_argument("--sqlite", type=Path, help="a SQLite file to create (instead of --url)")
    args = parser.parse_args()
    if args.sqlite:
        args.sqlite.unlink(missing_ok=True)
        url = f"sqlite:///{args.sqlite}"
        product.migrate(url)
    else:
        url = args.url
        database.fresh_database(url)
    engine = product.engine_for(url)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "members.csv"
        database.write_import_csv(path, args.rows)
        for what in ("first import", "same file again"):
            started = time.perf_counter()
            summary = product.import_csv(engine, path, product.Settings())
            seconds = time.perf_counter() - started
            rate = args.rows / seconds
            print(f"{url.split(':')[0]}: {what} {seconds:.1f} s ({rate:,.0f} rows/s) {summary}")
    with engine.connect() as conn:
        members = conn.execute(sa.text("SELECT count(*) FROM members")).scalar()
        events = conn.execute(sa.text("SELECT count(*) FROM consent_events")).scalar()
    engine.dispose()
    print(f"members {members}, consent rows {events}")


if __name__ == "__main__":
    main()
