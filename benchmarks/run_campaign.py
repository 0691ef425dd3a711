"""How long one campaign run takes for a large audience (PostgreSQL): audience, coupons, messages.

    .venv/bin/python benchmarks/run_campaign.py [--members 50000] [--url postgresql+psycopg://...]

Builds a fresh database (default ``bench_campaign`` on 127.0.0.1; it is dropped and recreated), seeds
members (SMS opt-in, a third of them also by e-mail, in three time zones), creates a holiday campaign
("2 days before kurban_bayrami at 10:00, 15%", channel preferred) and times ``run_campaign`` as the worker
runs it (one transaction), split into the audience query + coupon issue and the message queueing; then
runs it again as a retry would (nothing new). A speed figure, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._database import fresh_database
from loyalty.campaigns import running
from loyalty.campaigns.lifecycle import create_campaign
from loyalty.campaigns.running import run_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.core.db import make_engine, utcnow
from loyalty.core.text import search_key
from loyalty.models.campaigns import CampaignRun
from loyalty.models.members import Member

ZONES = ["Europe/Istanbul", "Europe/Istanbul", "Europe/London", "Europe/Berlin"]


def seed_members(session: Session, n: int) -> None:
    table: sa.Table = Member.__table__  # type: ignore[attr-defined]
    now = utcnow()
    rows = [
        {
            "full_name": f"Üye {i}",
            "name_search": search_key(f"Üye {i}"),
            "phone": f"+90532{i:07d}",
            "email": f"uye{i}@example.com" if i % 3 == 0 else None,
            "locale": "en" if i % 5 == 0 else "tr",
            "timezone": ZONES[i % len(ZONES)],
            "preferred_channel": "email" if i % 3 == 0 else "sms",
            "sms_opt_in": True,
            "email_opt_in": i % 3 == 0,
            "phone_valid": True,
            "paused": False,
            "created_at": now,
        }
        for i in range(n)
    ]
    for start in range(0, n, 10_000):
        session.execute(sa.insert(table), rows[start : start + 10_000])
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_campaign")
    args = parser.parse_args()
    fresh_database(args.url)
    engine = make_engine(args.url)
    with Session(engine) as session:
        started = time.perf_counter()
        seed_members(session, args.members)
        print(f"PostgreSQL, {args.members:,} members seeded in {time.perf_counter() - started:.1f} s")
        data = CampaignCreate.model_validate(
            {
                "name": "Kurban Bayramı",
                "trigger": {
                    "type": "holiday",
                    "holiday_key": "kurban_bayrami",
                    "days_before": 2,
                    "send_time": "10:00",
                },
                "offer": {"kind": "percent", "value": "15", "valid_days": 7},
                "channel": "preferred",
            }
        )
        campaign = create_campaign(session, data, actor="benchmark")
        session.commit()
        run = session.exec(
            select(CampaignRun).where(CampaignRun.campaign_id == campaign.id).order_by(col(CampaignRun.id))
        ).first()
        assert run is not None
        run_id, due = run.id or 0, run.issue_at + timedelta(minutes=1)

    queue_seconds: list[float] = []
    real_queue = running.queue_campaign_messages

    def timed_queue(session: Session, run_id: int, **kwargs: Any) -> int:
        started = time.perf_counter()
        try:
            return real_queue(session, run_id, **kwargs)
        finally:
            queue_seconds.append(time.perf_counter() - started)

    running.queue_campaign_messages = timed_queue  # type: ignore[assignment]
    for label in ("first run", "the same run again (a retry)"):
        queue_seconds.clear()
        with Session(engine) as session:
            started = time.perf_counter()
            if label != "first run":
                run_row = session.get(CampaignRun, run_id)
                assert run_row is not None
                run_row.status = "running"  # as if a worker died after its commit and it was claimed again
                session.add(run_row)
            result = run_campaign(session, run_id, due)
            session.commit()
            total = time.perf_counter() - started
        queued = queue_seconds[0] if queue_seconds else 0.0
        print(
            f"{label:<30} {total:7.2f} s total: audience + coupons {total - queued:6.2f} s, "
            f"messages {queued:6.2f} s; targeted {result.targeted:,}, coupons {result.coupons_issued:,}, "
            f"messages {result.messages_queued:,}"
        )
    with engine.connect() as conn:
        by_channel = conn.execute(sa.text("SELECT channel, count(*) FROM messages GROUP BY channel")).all()
    print("messages by channel:", dict(by_channel))


if __name__ == "__main__":
    main()
