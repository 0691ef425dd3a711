"""Issue 19 point 8: a coupon is good through its printed last day at the member's phone AND the counter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from loyalty.campaigns.running import run_campaign
from loyalty.core.settings import Settings
from loyalty.coupons.redeeming import redeem
from loyalty.models.coupons import Coupon, CouponStatus
from loyalty.models.messages import Message
from tests.builders import make_campaign_run, make_member, make_user


def _run(session: Session, settings: Settings) -> dict[str, Coupon]:
    members = {
        zone: make_member(session, timezone=zone)
        for zone in ("Asia/Tokyo", "Europe/London", "Europe/Istanbul")
    }
    run = make_campaign_run(session, trigger_type="date", valid_days=7, name="Kış")
    run.send_date, run.send_time = date(2027, 2, 1), "10:00"
    run.issue_at = datetime(2027, 1, 31, 20, 0, tzinfo=UTC)
    session.add(run)
    session.flush()
    assert run_campaign(session, run.id, datetime(2027, 1, 31, 20, 0, tzinfo=UTC), settings).status == "done"
    coupons = session.exec(select(Coupon).where(Coupon.run_id == run.id)).all()
    by_member = {c.member_id: c for c in coupons}
    return {zone: by_member[m.id or 0] for zone, m in members.items()}


def test_the_printed_day_is_the_members_and_the_coupon_lasts_through_it_everywhere(
    session: Session, settings: Settings
) -> None:
    coupons = _run(session, settings)
    for zone, coupon in coupons.items():
        message = session.exec(select(Message).where(Message.coupon_id == coupon.id)).first()
        assert message is not None and message.context["expires_on"] == "2027-02-08", zone
    # Tokyo: its midnight is 15:00 UTC, the shop's (Istanbul) 21:00 UTC: the later one
    assert coupons["Asia/Tokyo"].expires_at == datetime(2027, 2, 8, 21, 0, tzinfo=UTC)
    # London: its midnight (24:00 UTC) is after the shop's: the member keeps her whole day
    assert coupons["Europe/London"].expires_at == datetime(2027, 2, 9, 0, 0, tzinfo=UTC)
    assert coupons["Europe/Istanbul"].expires_at == datetime(2027, 2, 8, 21, 0, tzinfo=UTC)


def test_the_istanbul_counter_accepts_a_tokyo_coupon_at_19_00_on_the_printed_day(
    session: Session, settings: Settings
) -> None:
    coupon = _run(session, settings)["Asia/Tokyo"]
    cashier = make_user(session)
    at_counter = datetime(2027, 2, 8, 16, 0, tzinfo=UTC)  # 19:00 in Istanbul, 01:00 on 9 Feb in Tokyo
    done = redeem(
        session, coupon.code, purchase_amount=Decimal("100"), actor_user_id=cashier.id or 0, now=at_counter
    )
    assert done.status == CouponStatus.redeemed
