"""Pause and resume all promotions, retire an occasion: both cancel what was not yet sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from loyalty.core.errors import Invalid, NotFound
from loyalty.counter.overview import paused_through
from loyalty.members.pause import pause_promotions, resume_promotions
from loyalty.messaging.queue import MessageRow, queue
from loyalty.messaging.reach import is_paused
from loyalty.models.messages import Category, Message
from loyalty.occasions.registry import add_occasion, retire_occasion
from loyalty.occasions.schemas import OccasionCreate
from tests.builders import make_member

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _queue(
    session: Session, member_id: int, key: str, *, occasion_id: int | None = None, promo: bool = True
) -> int:
    [message_id] = queue(
        session,
        [
            MessageRow(
                member_id=member_id,
                requested_channel="sms",
                dedupe_key=key,
                purpose="birthday_self",
                category=Category.promotional if promo else Category.transactional,
                occasion_id=occasion_id,
            )
        ],
        now=NOW,
    )
    return message_id


def _state(session: Session, message_id: int) -> str:
    message = session.exec(select(Message).where(Message.id == message_id)).one()
    session.refresh(message)
    return str(message.state)


def test_pause_open_ended_then_resume(session: Session) -> None:
    member = make_member(session)
    assert not is_paused(member, NOW)
    pause_promotions(session, member.id, until=None, actor="member", now=NOW)
    assert member.paused and member.paused_until is None
    assert is_paused(member, NOW) and is_paused(member, NOW + timedelta(days=3650))
    resume_promotions(session, member.id, actor="user:ayla")
    assert not member.paused and member.paused_until is None and not is_paused(member, NOW)


def test_pause_until_a_date_lasts_through_that_day(session: Session) -> None:
    """ "Until 15.01.2027" means through the 15th: it ends at the local midnight starting the 16th."""
    member = make_member(session, timezone="Europe/Istanbul")
    pause_promotions(session, member.id, until=date(2027, 1, 15), actor="member", now=NOW)
    assert member.paused_until == datetime(2027, 1, 15, 21, 0, tzinfo=UTC)  # 16 Jan 00:00 in Istanbul (UTC+3)
    assert is_paused(member, datetime(2027, 1, 15, 20, 59, tzinfo=UTC))  # 23:59 on the 15th, local
    assert not is_paused(member, datetime(2027, 1, 15, 21, 0, tzinfo=UTC))
    assert paused_through(member) == date(2027, 1, 15)


def test_pause_until_must_be_in_the_future(session: Session) -> None:
    member = make_member(session)
    with pytest.raises(Invalid) as error:
        pause_promotions(session, member.id, until=NOW - timedelta(minutes=1), actor="member", now=NOW)
    assert error.value.field == "until"
    with pytest.raises(NotFound):
        pause_promotions(session, 999_999, until=None, actor="member", now=NOW)


def test_pause_cancels_unsent_promotions_only_of_that_member(session: Session) -> None:
    member, other = make_member(session), make_member(session)
    promo = _queue(session, member.id, "coupon:1")
    transactional = _queue(session, member.id, "welcome:1", promo=False)
    others = _queue(session, other.id, "coupon:2")
    pause_promotions(session, member.id, until=None, actor="member", now=NOW)
    assert _state(session, promo) == "cancelled"
    assert _state(session, transactional) == "queued"  # a card welcome is not a promotion
    assert _state(session, others) == "queued"


def test_retire_cancels_the_occasions_unsent_messages(session: Session) -> None:
    member = make_member(session)
    data = OccasionCreate(kind="birthday", purpose="kızımın doğum günü", date="12-01", for_whom="daughter")
    occasion = add_occasion(session, member.id, data, stated_by="member")
    other = add_occasion(session, member.id, data, stated_by="member")
    reminder = _queue(session, member.id, f"occasion:{occasion.id}:2026-12-01", occasion_id=occasion.id)
    unrelated = _queue(session, member.id, f"occasion:{other.id}:2026-12-01", occasion_id=other.id)
    retired = retire_occasion(session, occasion.id, actor="member", now=NOW)
    assert retired.status == "retired" and retired.retired_at == NOW
    assert _state(session, reminder) == "cancelled"
    assert _state(session, unrelated) == "queued"
