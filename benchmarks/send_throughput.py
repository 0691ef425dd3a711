"""How fast one process sends: the raw twilio client to a local Messages API, then the whole send path
(policy, claim + commit, provider call, final state + commit) on SQLite or PostgreSQL, SMS and e-mail.

    .venv/bin/python benchmarks/send_throughput.py [--n 300] [--db postgresql+psycopg://postgres@127.0.0.1:5432/bench_h5]

The database must be a scratch one: it is migrated and its members/messages tables are emptied. Compare
ratios measured in one run (the machine is shared and noisy). A speed figure, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from loyalty.core.db import make_engine, unit_of_work
from loyalty.core.migrate import upgrade
from loyalty.core.settings import Settings
from loyalty.core.text import search_key
from loyalty.messaging.adapter import Outgoing
from loyalty.messaging.outbox import NewMessage, queue_messages
from loyalty.models.members import Member
from loyalty.models.messages import Category
from tests.workers.smtp_fake import SmtpServer
from tests.workers.twilio_fake import FakeTwilioServer
from workers.channels.smtp_email import SmtpEmailChannel
from workers.channels.twilio_sms import TwilioSmsChannel
from workers.delivery import deliver


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:8.0f} msg/s  ({seconds / n * 1000:.2f} ms each)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM message_events"))
        conn.execute(sa.text("DELETE FROM messages"))
    with FakeTwilioServer() as twilio:
        smtp = SmtpServer()
        smtp.start()
        settings = Settings(
            env="test",
            secret_key="benchmark-secret-0123456789abcdef",
            database_url=url,
            sms_backend="twilio",
            email_backend="smtp",
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token="token",
            twilio_from_number="+15005550006",
            twilio_base_url=twilio.url,
            smtp_port=smtp.port,
            quiet_hours_start=0,
            quiet_hours_end=0,
        )
        sms, mail = TwilioSmsChannel(settings), SmtpEmailChannel(settings)
        started = time.perf_counter()
        for i in range(args.n):
            sms.send(Outgoing(message_id=i, channel="sms", to=f"+90532{i:07d}", text="Merhaba"))
        print(f"twilio client, keep-alive           {_rate(args.n, time.perf_counter() - started)}")
        started = time.perf_counter()
        for i in range(args.n):
            mail.send(Outgoing(message_id=i, channel="email", to=f"u{i}@example.com", subject="s", text="t"))
        print(f"smtplib, one reused connection      {_rate(args.n, time.perf_counter() - started)}")

        for channel in ("sms", "email"):
            with engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM message_events"))
                conn.execute(sa.text("DELETE FROM messages"))
                conn.execute(sa.text("DELETE FROM members WHERE phone LIKE '+90599%'"))
                conn.execute(
                    sa.insert(Member.__table__),  # type: ignore[attr-defined]
                    [
                        {
                            "full_name": f"Bench {i}",
                            "name_search": search_key(f"Bench {i}"),
                            "phone": f"+90599{i:07d}",
                            "email": f"b{i}@example.com",
                            "locale": "tr",
                            "timezone": "Europe/Istanbul",
                            "preferred_channel": channel,
                            "sms_opt_in": True,
                            "email_opt_in": True,
                            "phone_valid": True,
                            "paused": False,
                        }
                        for i in range(args.n)
                    ],
                )
            with unit_of_work(engine) as session:
                members = session.execute(
                    sa.text("SELECT id FROM members WHERE phone LIKE '+90599%'")
                ).scalars()
                ids = queue_messages(
                    session,
                    [
                        NewMessage(
                            member_id=m,
                            requested_channel=channel,
                            dedupe_key=f"bench:{m}",
                            purpose="holiday_coupon",
                            category=Category.transactional,
                            context={
                                "coupon_code": "ABCD-EFGH-JK",
                                "offer_kind": "percent",
                                "offer_value": "15",
                                "expires_on": "2026-12-31",
                            },
                        )
                        for m in members
                    ],
                )
                session.commit()
            adapter = sms if channel == "sms" else mail
            started = time.perf_counter()
            for message_id in ids:
                outcome = deliver(
                    message_id, engine=engine, settings=settings, channel_for=lambda _, a=adapter: a
                )  # type: ignore[misc]
                assert outcome.status == "sent", outcome
            label = f"whole send path, {channel:5} ({engine.dialect.name})"
            print(f"{label:36} {_rate(len(ids), time.perf_counter() - started)}")
        mail.close()
        smtp.stop()


if __name__ == "__main__":
    main()
