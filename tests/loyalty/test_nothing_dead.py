"""Issue 19 point 4: a message naming a card, coupon, occasion or member no longer valid when its turn comes
is cancelled with the reason, never sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, select

from loyalty.cards.issuing import issue_card
from loyalty.cards.review import replace_card
from loyalty.cards.welcome import queue_card_welcome
from loyalty.core.settings import Settings
from loyalty.coupons.redeeming import redeem
from loyalty.delivery.claiming import prepare_send
from loyalty.members.erasure import erase_member
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.messages import Category, Message, MessageState
from tests.builders import make_coupon, make_member, make_user

EVENING = datetime(2027, 2, 1, 19, 0, tzinfo=UTC)  # 22:00 in Istanbul: quiet hours
MORNING = datetime(2027, 2, 2, 6, 0, tzinfo=UTC)  # 09:00 in Istanbul


def _claim(session: Session, message_id: int, settings: Settings, now: datetime) -> Message:
    prepare_send(session, message_id, now, settings)
    message = session.get(Message, message_id)
    assert message is not None
    session.refresh(message)
    return message


def test_a_replaced_cards_welcome_is_cancelled_and_only_the_new_one_goes(
    session: Session, settings: Settings
) -> None:
    member = make_member(session, full_name="Mert Ak")
    card, _ = issue_card(session, member.id or 0, "Mert Ak", now=EVENING)
    queue_card_welcome(session, card.id or 0, now=EVENING)
    new = replace_card(session, card.number, "kayıp", actor_user_id=None, now=EVENING + timedelta(hours=2))
    queue_card_welcome(session, new.id or 0, now=EVENING + timedelta(hours=2))
    old_welcome, new_welcome = session.exec(
        select(Message).where(Message.member_id == member.id).order_by(Message.id)  # type: ignore[arg-type]
    ).all()
    assert _claim(session, old_welcome.id or 0, settings, MORNING).state == MessageState.cancelled
    assert "card replaced" in (old_welcome.error_message or "")
    assert _claim(session, new_welcome.id or 0, settings, MORNING).state == MessageState.sending


def test_a_coupon_redeemed_or_expired_before_its_message_goes_is_not_announced(
    session: Session, settings: Settings
) -> None:
    member = make_member(session)
    used = make_coupon(session, member, valid_from=EVENING - timedelta(hours=1))
    stale = make_coupon(session, member, valid_from=EVENING - timedelta(days=3), expires_at=EVENING)
    ids = queue(
        session,
        [
            MessageRow(
                member_id=member.id or 0,
                requested_channel="sms",
                dedupe_key=f"coupon:{coupon.id}",
                purpose="holiday_coupon",
                category=Category.promotional,
                coupon_id=coupon.id,
                context={"code": coupon.code},
            )
            for coupon in (used, stale)
        ],
        now=EVENING,
    )
    cashier = make_user(session)
    redeem(session, used.code, purchase_amount=Decimal("50"), actor_user_id=cashier.id or 0, now=EVENING)
    fates = {mid: _claim(session, mid, settings, MORNING) for mid in ids}
    assert [(m.state, m.error_message) for m in fates.values()] == [
        (MessageState.cancelled, "coupon already redeemed"),
        (MessageState.cancelled, "coupon expired"),
    ]


def test_an_erased_members_waiting_messages_keep_the_reason(session: Session, settings: Settings) -> None:
    member = make_member(session)
    card, _ = issue_card(session, member.id or 0, "Ayşe Yılmaz", now=EVENING)
    queue_card_welcome(session, card.id or 0, now=EVENING)
    erase_member(session, member.id or 0, actor="user:admin", now=EVENING + timedelta(minutes=5))
    [welcome] = session.exec(select(Message).where(Message.member_id == member.id)).all()
    session.refresh(welcome)
    assert (welcome.state, welcome.error_message, welcome.context) == (
        MessageState.cancelled,
        "member erased",
        {},
    )


def test_no_dead_reference_for_a_living_message(session: Session, tmp_path: Path, settings: Settings) -> None:
    member = make_member(session)
    card, _ = issue_card(session, member.id or 0, "Ayşe Yılmaz", now=EVENING)
    queue_card_welcome(session, card.id or 0, now=EVENING)
    [welcome] = session.exec(select(Message).where(Message.member_id == member.id)).all()
    assert _claim(session, welcome.id or 0, settings, MORNING).state == MessageState.sending
