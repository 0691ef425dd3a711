"""Issue 25 point 4: a large import never holds the counter. It commits chunk by chunk, so a purchase by a
member whose row is in the file (PostgreSQL: its row locked by the import's lookup; SQLite: the one write
lock) waits a fraction of a second, not for the whole file. Measured here: every purchase made while the
import runs waits at most a second."""

from __future__ import annotations

import io
import threading
import time
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import func, select

from loyalty.core.db import unit_of_work
from loyalty.members.importing import import_members
from loyalty.models.members import Member
from loyalty.purchases.card_rule import CardRule
from loyalty.purchases.recording import record_purchase
from tests.builders import make_member

ROWS = 20_000
RULE = CardRule(visits_needed=3, window_days=180)


def test_purchases_wait_a_chunk_not_the_whole_import(committing_engine: Engine) -> None:
    """The import commits chunk by chunk: a till waits for a chunk or a few, never for the whole import.
    The bound is a share of the import's own length in the same run, so a loaded machine moves both."""
    with unit_of_work(committing_engine) as session:
        regular = make_member(session, phone="+905320000000")
        session.commit()
        member_id = regular.id or 0
    lines = ["full_name,phone,sms_consent,sms_source,sms_consent_date\n"]
    lines.append("Düzenli Müşteri,+905320000000,evet,HS_FIZIKSEL_ORTAM,2025-01-01\n")  # in the first chunk
    lines.extend(f"Üye {n},+90533{n:07d},evet,HS_FIZIKSEL_ORTAM,2025-01-01\n" for n in range(ROWS))
    started, finished = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def run_import() -> None:
        try:
            with unit_of_work(committing_engine) as session:

                def first_chunk_and_on() -> None:
                    session.commit()
                    started.set()

                import_members(
                    session,
                    io.StringIO("".join(lines)),
                    actor="user:test",
                    region="TR",
                    default_locale="tr",
                    timezone="Europe/Istanbul",
                    chunk_done=first_chunk_and_on,
                )
                session.commit()
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            started.set()
            finished.set()

    importer = threading.Thread(target=run_import)
    importer.start()
    started.wait(60)
    import_began = time.monotonic()
    waits: list[float] = []
    while not finished.is_set():
        began = time.monotonic()
        with unit_of_work(committing_engine) as session:
            record_purchase(session, member_id, Decimal("25"), f"TILL-{len(waits)}", rule=RULE)
            session.commit()
        waits.append(time.monotonic() - began)
        time.sleep(0.05)  # a busy till, not a tight loop (SQLite's busy handler is not fair to a poller)
    import_seconds = time.monotonic() - import_began
    importer.join(120)

    assert not failures, failures
    with unit_of_work(committing_engine) as session:
        assert session.exec(select(func.count()).select_from(Member)).one() == ROWS + 1
    assert len(waits) >= 3, waits  # the purchases did overlap the import
    slowest = max(waits)
    report = f"{len(waits)} purchases, {ROWS}-row import of {import_seconds:.1f} s, slowest {slowest:.2f} s"
    assert slowest < import_seconds / 2, report  # an import holding the till would take it all
    print("\n" + report)
