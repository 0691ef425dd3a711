"""Issue 19 point 9: every message deferred, dropped or cancelled keeps its reason and times; campaign
results (API model, CSV) and a member's history show them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from loyalty.campaigns.results import results_csv
from loyalty.campaigns.running import run_campaign
from loyalty.campaigns.stats import campaign_stats
from loyalty.core.settings import Settings
from loyalty.counter.overview import recent_messages
from loyalty.coupons.redeeming import redeem
from loyalty.delivery.claiming import prepare_send
from loyalty.messaging.fates import fate_of
from loyalty.models.coupons import Coupon
from loyalty.models.members import Member
from loyalty.models.messages import Category, Message, MessageState
from tests.builders import make_campaign_run, make_member, make_user

ISSUE = datetime(2027, 2, 1, 6, 0, tzinfo=UTC)  # 09:00 in Istanbul
SEND = datetime(2027, 2, 1, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul, the run's send time


def _full_cap(session: Session, member: Member) -> None:
    for n in (1, 2):
        session.add(
            Message(
                member_id=member.id,
                channel="sms",
                requested_channel="sms",
                dedupe_key=f"earlier:{member.id}:{n}",
                purpose="holiday_coupon",
                category=Category.promotional,
                state=MessageState.sent,
                claimed_at=SEND - timedelta(days=n),
                sent_at=SEND - timedelta(days=n),
            )
        )
    session.flush()


def test_deferred_and_cancelled_messages_show_in_the_results_the_csv_and_the_history(
    session: Session, settings: Settings
) -> None:
    capped, redeemer, fine = (make_member(session, full_name=n) for n in ("Cem Ak", "Ece Su", "Ali Can"))
    _full_cap(session, capped)
    run = make_campaign_run(session, trigger_type="date", valid_days=7, name="Şubat")
    run.send_date, run.send_time, run.issue_at = date(2027, 2, 1), "10:00", ISSUE
    session.add(run)
    session.flush()
    run_campaign(session, run.id, ISSUE, settings)
    messages = {m.member_id: m for m in session.exec(select(Message).where(Message.run_id == run.id)).all()}
    coupon = session.exec(
        select(Coupon).where(Coupon.member_id == redeemer.id, Coupon.run_id == run.id)
    ).one()
    cashier = make_user(session)
    redeem(session, coupon.code, purchase_amount=Decimal("80"), actor_user_id=cashier.id or 0, now=SEND)
    for member in (capped, redeemer, fine):
        prepare_send(session, messages[member.id or 0].id or 0, SEND, settings)

    stats = campaign_stats(session, run.campaign_id, timezone_name="Europe/Istanbul", now=SEND)
    assert (stats.deferred, stats.dropped, stats.cancelled) == (1, 0, 1)
    assert {(f.fate, f.reason, f.messages) for f in stats.reasons} == {
        ("deferred", "frequency cap", 1),
        ("cancelled", "coupon already redeemed", 1),
    }
    [day] = [d for d in stats.per_day if d.day == date(2027, 2, 1)]
    assert (day.deferred, day.cancelled) == (1, 1)

    rows = list(csv.DictReader(io.StringIO(results_csv(stats))))
    total = next(r for r in rows if r["day"] == "total")
    assert (total["deferred"], total["dropped"], total["cancelled"]) == ("1", "0", "1")
    why = {r["day"]: (r["reason"], r[r["day"]]) for r in rows if r["reason"]}
    assert why == {"deferred": ("frequency cap", "1"), "cancelled": ("coupon already redeemed", "1")}

    [capped_line] = [
        m for m in recent_messages(session, capped.id or 0) if m.id == messages[capped.id or 0].id
    ]
    assert capped_line.fate == "deferred" and (capped_line.reason or "").startswith("frequency cap until ")
    assert capped_line.not_before is not None and capped_line.not_before > SEND
    [cancelled_line] = recent_messages(session, redeemer.id or 0)
    assert (cancelled_line.fate, cancelled_line.reason) == ("cancelled", "coupon already redeemed")
    assert cancelled_line.updated_at == SEND


def test_a_cancel_for_lack_of_time_is_a_drop() -> None:
    assert (
        fate_of("cancelled", "frequency cap: tied to 2027-05-16: cannot go out before it", False) == "dropped"
    )
    assert fate_of("cancelled", "expired before it could be sent", False) == "dropped"
    assert fate_of("cancelled", "occasion retired", False) == "cancelled"
    assert fate_of("queued", None, True) == "deferred"
    assert fate_of("delivered", None, True) == "sent"
