"""How fast coupons are issued for a large audience (PostgreSQL): COPY into a stage, INSERT ... SELECT.

    .venv/bin/python benchmarks/issue_coupons.py [--members 100000] [--url postgresql+psycopg://...]

Builds a fresh database (default ``bench_coupons`` on 127.0.0.1; it is dropped and recreated), seeds the
members and a campaign with two runs, then times ``issue_coupons``:
- a first run for the whole audience (new coupons, the unique code index growing);
- the same run again, as a retry after a crash would (nothing new is issued);
- a second run for the whole audience (a yearly campaign's next year: the code index already full);
- for scale, one ORM object per coupon (``session.add_all``) for a tenth of the audience.
Each step commits, as the campaign task does. A speed figure, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._database import fresh_database
from loyalty.core.db import make_engine
from loyalty.core.text import search_key
from loyalty.coupons.codes import new_code
from loyalty.coupons.issuing import issue_coupons
from loyalty.coupons.offers import Offer
from loyalty.models.campaigns import Campaign, CampaignRun
from loyalty.models.coupons import Coupon
from loyalty.models.members import Member


def seed_members(session: Session, n: int) -> list[int]:
    template = Member(full_name="Ayşe Yılmaz", name_search=search_key("Ayşe Yılmaz"), phone="+905320000000")
    table: sa.Table = Member.__table__  # type: ignore[attr-defined]
    base = {c.name: getattr(template, c.name) for c in table.columns if c.name != "id"}
    rows = [{**base, "phone": f"+90532{i:07d}"} for i in range(n)]
    for start in range(0, n, 10_000):
        session.execute(sa.insert(table), rows[start : start + 10_000])
    session.commit()
    return list(session.execute(sa.select(table.c.id).order_by(table.c.id)).scalars())


def campaign_runs(session: Session) -> tuple[int, int, int]:
    campaign = Campaign(
        name="Kurban Bayramı",
        trigger_type="holiday",
        holiday_key="kurban_bayrami",
        offer_kind="percent",
        offer_value=Decimal("15"),
        created_by="benchmark",
    )
    session.add(campaign)
    session.flush()
    now = datetime.now(UTC)
    runs = [
        CampaignRun(
            campaign_id=campaign.id, run_key=key, send_date=now.date(), send_time="10:00", issue_at=now
        )
        for key in ("2026", "2027")
    ]
    session.add_all(runs)
    session.commit()
    return campaign.id or 0, runs[0].id or 0, runs[1].id or 0


def timed(label: str, n: int, work: Any) -> float:
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    rate = f"{n / seconds:>10,.0f} rows/s" if n else ""
    print(f"{label:<58} {seconds:7.2f} s {rate}  (result: {result})")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_coupons")
    args = parser.parse_args()
    n = args.members

    fresh_database(args.url)
    engine = make_engine(args.url)
    offer = Offer("percent", Decimal("15"), Decimal("200"), valid_days=14)
    start = datetime(2026, 5, 25, 7, 0, tzinfo=UTC)
    end = start + timedelta(days=14)
    with Session(engine) as session:
        ids = seed_members(session, n)
        campaign_id, first_run, second_run = campaign_runs(session)
    audience = [(m, start, end) for m in ids]
    print(f"PostgreSQL, {n:,} members")

    def issue(run_id: int) -> int:
        with Session(engine) as session:
            count = issue_coupons(
                session, campaign_id=campaign_id, run_id=run_id, members=audience, offer=offer
            )
            session.commit()
            return count

    timed("issue_coupons, first run (COPY + INSERT ... SELECT)", n, lambda: issue(first_run))
    timed("issue_coupons, same run again (a retry: nothing new)", 0, lambda: issue(first_run))
    timed("issue_coupons, second run (code index already full)", n, lambda: issue(second_run))

    tenth = ids[: max(1, n // 10)]

    with Session(engine) as session:  # make room: these members get their coupon again, the ORM way
        session.execute(sa.delete(Coupon).where(Coupon.run_id == second_run, Coupon.member_id.in_(tenth)))
        session.commit()

    def orm() -> int:
        with Session(engine) as session:
            for chunk in range(0, len(tenth), 1000):
                session.add_all(
                    Coupon(
                        campaign_id=campaign_id,
                        run_id=second_run,
                        member_id=m,
                        code=new_code(),
                        offer_kind="percent",
                        offer_value=Decimal("15"),
                        valid_from=start,
                        expires_at=end,
                    )
                    for m in tenth[chunk : chunk + 1000]
                )
                session.commit()
            return len(tenth)

    timed(f"for scale: one ORM object per coupon ({len(tenth):,})", len(tenth), orm)
    with engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*), count(DISTINCT code) FROM coupons")).one()
    print(f"coupons: {total[0]:,}, distinct codes: {total[1]:,}")
    engine.dispose()


if __name__ == "__main__":
    main()
