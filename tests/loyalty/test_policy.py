"""Send-time policy: consent and channel choice, quiet hours in the member's zone, the frequency cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from loyalty.core.settings import Settings
from loyalty.delivery.policy import decide, next_allowed
from loyalty.messaging.queue import MessageRow, queue
from loyalty.messaging.reach import choose_channel
from loyalty.models.members import Channel, Member
from loyalty.models.messages import Category, Message, MessageState
from loyalty.models.occasions import Occasion
from tests.builders import make_member

IST = ZoneInfo("Europe/Istanbul")


def _queue(
    session: Session,
    member: Member,
    *,
    key: str,
    category: Category = Category.promotional,
    channel: str = "sms",
    **fields: object,
) -> Message:
    [message_id] = queue(
        session,
        [
            MessageRow(
                member_id=member.id or 0,
                requested_channel=channel,
                dedupe_key=key,
                purpose="birthday_self",
                category=category,
                **fields,  # type: ignore[arg-type]
            )
        ],
    )
    message = session.get(Message, message_id)
    assert message is not None
    return message


def _sent(
    session: Session, member: Member, key: str, at: datetime, category: Category = Category.promotional
) -> None:
    message = _queue(session, member, key=key, category=category)
    message.state = MessageState.sent
    message.claimed_at = at
    message.sent_at = at
    session.add(message)
    session.flush()


@pytest.mark.parametrize(
    ("utc", "zone", "expected"),
    [
        # 22:30 in Istanbul (+03): wait for 09:00 the next morning
        (
            datetime(2026, 11, 22, 19, 30, tzinfo=UTC),
            "Europe/Istanbul",
            datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
        ),
        # the same instant is 14:30 in New York: send now
        (datetime(2026, 11, 22, 19, 30, tzinfo=UTC), "America/New_York", None),
        # 04:30 in Tokyo: later the same local morning
        (datetime(2026, 11, 22, 19, 30, tzinfo=UTC), "Asia/Tokyo", datetime(2026, 11, 23, 0, 0, tzinfo=UTC)),
        # 08:59 in Istanbul: one minute
        (
            datetime(2026, 11, 22, 5, 59, tzinfo=UTC),
            "Europe/Istanbul",
            datetime(2026, 11, 22, 6, 0, tzinfo=UTC),
        ),
        # 21:00 sharp is quiet, 20:59 is not
        (
            datetime(2026, 11, 22, 18, 0, tzinfo=UTC),
            "Europe/Istanbul",
            datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
        ),
        (datetime(2026, 11, 22, 17, 59, tzinfo=UTC), "Europe/Istanbul", None),
        # the night Berlin moves to summer time: 09:00 CEST is 07:00 UTC
        (datetime(2026, 3, 28, 22, 0, tzinfo=UTC), "Europe/Berlin", datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_in_the_members_zone(utc: datetime, zone: str, expected: datetime | None) -> None:
    assert next_allowed(utc, ZoneInfo(zone), 21, 9) == (expected or utc)


def test_quiet_hours_defer_a_message_until_the_local_morning(session: Session, settings: Settings) -> None:
    late = datetime(2026, 11, 22, 19, 30, tzinfo=UTC)
    tokyo = make_member(session, timezone="Asia/Tokyo")
    newyork = make_member(session, timezone="America/New_York")
    decision = decide(session, _queue(session, tokyo, key="q1"), tokyo, late, settings)
    assert decision.action == "defer" and decision.until == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert decide(session, _queue(session, newyork, key="q2"), newyork, late, settings).action == "send"
    # transactional messages wait for the morning too (politeness, not marketing)
    welcome = _queue(session, tokyo, key="q3", category=Category.transactional)
    assert decide(session, welcome, tokyo, late, settings).action == "defer"


def test_frequency_cap_defers_the_third_promotion_but_not_a_transactional_message(
    session: Session, settings: Settings
) -> None:
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # 13:00 in Istanbul
    member = make_member(session)
    _sent(session, member, "old", now - timedelta(days=8))  # outside the 7-day window
    _sent(session, member, "a", now - timedelta(days=6, hours=2))
    _sent(session, member, "b", now - timedelta(days=1))
    _sent(session, member, "t", now - timedelta(hours=1), Category.transactional)  # not counted
    third = _queue(session, member, key="third")
    decision = decide(session, third, member, now, settings)
    # the window frees when "a" turns 7 days old: now + 22 h = 08:00 UTC = 11:00 Istanbul, not quiet
    assert decision.action == "defer" and decision.reason == "frequency cap"
    assert decision.until == now - timedelta(days=6, hours=2) + timedelta(days=7)
    welcome = _queue(session, member, key="welcome", category=Category.transactional)
    assert decide(session, welcome, member, now, settings).action == "send"


def test_cap_release_falls_into_quiet_hours_of_the_members_zone(session: Session, settings: Settings) -> None:
    member = make_member(session, timezone="Asia/Tokyo")
    # frees at 2026-11-22 14:00 UTC = 23:00 Tokyo -> quiet: 09:00 Tokyo = 00:00 UTC next day
    _sent(session, member, "a", datetime(2026, 11, 15, 14, 0, tzinfo=UTC))
    _sent(session, member, "b", datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
    decision = decide(
        session, _queue(session, member, key="c"), member, datetime(2026, 11, 22, 1, 0, tzinfo=UTC), settings
    )
    assert decision.action == "defer" and decision.until == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def test_cap_cancels_a_message_that_would_expire_first(session: Session, settings: Settings) -> None:
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    member = make_member(session)
    _sent(session, member, "a", now - timedelta(days=1))
    _sent(session, member, "b", now - timedelta(days=2))
    stale = _queue(session, member, key="c", expires_at=now + timedelta(days=2))
    decision = decide(session, stale, member, now, settings)
    assert decision.action == "cancel" and "cap" in decision.reason


def test_paused_member_cancels_promotions_only(session: Session, settings: Settings) -> None:
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    member = make_member(session, paused=True, paused_until=now + timedelta(days=3))
    assert decide(session, _queue(session, member, key="p"), member, now, settings).action == "cancel"
    welcome = _queue(session, member, key="w", category=Category.transactional)
    assert decide(session, welcome, member, now, settings).action == "send"
    member.paused_until = now - timedelta(minutes=1)  # the pause is over
    assert decide(session, _queue(session, member, key="p2"), member, now, settings).action == "send"


def test_consent_and_preferred_channel_fallback(session: Session, settings: Settings) -> None:
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    both = make_member(session, email="a@example.com", email_opt_in=True, preferred_channel=Channel.email)
    assert choose_channel(both, "preferred") == Channel.email
    no_email = make_member(
        session, email="b@example.com", email_opt_in=False, preferred_channel=Channel.email
    )
    assert choose_channel(no_email, "preferred") == Channel.sms  # falls back to the other opted-in one
    bad_phone = make_member(session, email="c@example.com", email_opt_in=True, phone_valid=False)
    assert choose_channel(bad_phone, "preferred") == Channel.email
    assert choose_channel(bad_phone, "sms") is None
    nobody = make_member(session, sms=False)
    message = _queue(session, nobody, key="n")
    decision = decide(session, message, nobody, now, settings)
    assert decision.action == "cancel" and "consent" in decision.reason


def test_retired_occasion_cancels(session: Session, settings: Settings) -> None:
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    member = make_member(session)
    occasion = Occasion(
        member_id=member.id or 0,
        kind="birthday",
        purpose="pasta",
        month=12,
        day=1,
        recurrence="yearly",
        stated_by="member",
    )
    session.add(occasion)
    session.flush()
    message = _queue(session, member, key="o", occasion_id=occasion.id)
    assert decide(session, message, member, now, settings).action == "send"
    occasion.status = "retired"
    session.add(occasion)
    session.flush()
    decision = decide(session, message, member, now, settings)
    assert decision.action == "cancel" and decision.reason == "occasion retired"
