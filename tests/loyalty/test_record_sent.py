"""``record_sent_many``: the provider took these messages. Forward only: a message a callback already moved
past ``sent`` keeps its state and gets no second event; one row and many rows (arrays on PostgreSQL) alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from loyalty.messaging.claims import record_sent_many
from loyalty.models.members import Channel
from loyalty.models.messages import Category, Message, MessageEvent, MessageState
from tests.builders import make_member

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
LEASE = NOW + timedelta(minutes=5)


def _message(session: Session, state: MessageState, **fields: Any) -> Message:
    member = make_member(session)
    message = Message(
        member_id=member.id,
        channel=Channel.email,
        requested_channel="email",
        dedupe_key=f"record-sent:{member.id}",
        purpose="holiday_coupon",
        category=Category.transactional,
        state=state,
        **fields,
    )
    session.add(message)
    session.flush()
    return message


def _events(session: Session, message: Message) -> list[tuple[str, str]]:
    rows = session.exec(
        select(MessageEvent.state, MessageEvent.detail)
        .where(MessageEvent.message_id == message.id)
        .order_by(col(MessageEvent.id))
    ).all()
    return [(str(state), detail) for state, detail in rows]


@pytest.mark.parametrize("sending", [1, 3])
def test_sending_messages_move_to_sent_and_those_past_it_only_gain_the_send(
    session: Session, sending: int
) -> None:
    moving = [
        _message(session, MessageState.sending, lease_until=LEASE, needs_reconcile=True)
        for _ in range(sending)
    ]
    known = _message(session, MessageState.sending, provider_id="SMkept", lease_until=LEASE)
    delivered = _message(  # its delivery callback came before the record
        session,
        MessageState.delivered,
        delivered_at=NOW - timedelta(seconds=1),
        lease_until=LEASE,
        needs_reconcile=True,
    )
    failed = _message(session, MessageState.failed, sent_at=NOW - timedelta(hours=1), provider_id="SMold")
    sent = {m.id or 0: (f"SM{m.id}", "") for m in moving} | {
        known.id or 0: ("SMnew", "found at the provider after an interrupted attempt"),
        delivered.id or 0: (f"SM{delivered.id}", ""),
        failed.id or 0: ("SMother", ""),
        10**9: ("SMnobody", ""),  # no such message: nothing written
    }

    record_sent_many(session, sent, NOW)
    for message in [*moving, known, delivered, failed]:
        session.refresh(message)

    for message in moving:
        assert (message.state, message.sent_at, message.provider_id) == (
            MessageState.sent,
            NOW,
            f"SM{message.id}",
        )
        assert (message.lease_until, message.needs_reconcile, message.updated_at) == (None, False, NOW)
        assert _events(session, message) == [("sent", f"accepted as SM{message.id}")]
    assert (known.state, known.provider_id) == (MessageState.sent, "SMkept")  # the first id it had stays
    assert _events(session, known) == [("sent", "found at the provider after an interrupted attempt")]
    assert (delivered.state, delivered.sent_at, delivered.provider_id) == (
        MessageState.delivered,
        NOW,
        f"SM{delivered.id}",
    )
    assert (delivered.lease_until, delivered.needs_reconcile) == (None, False)
    assert _events(session, delivered) == []
    assert (failed.state, failed.sent_at, failed.provider_id) == (
        MessageState.failed,
        NOW - timedelta(hours=1),  # forward only: an earlier send time stays
        "SMold",
    )
    assert _events(session, failed) == []


def test_one_message_past_sent_alone_is_not_moved_back(session: Session) -> None:
    cancelled = _message(session, MessageState.cancelled)
    record_sent_many(session, {cancelled.id or 0: ("SM1", "")}, NOW)
    session.refresh(cancelled)
    assert (cancelled.state, cancelled.sent_at, cancelled.provider_id) == (MessageState.cancelled, NOW, "SM1")
    assert _events(session, cancelled) == []


@pytest.mark.parametrize("detail", ["", "found at the provider after an interrupted attempt"])
def test_one_message_alone_moves_with_its_event(session: Session, detail: str) -> None:
    """An e-mail's record, one message per call (plain parameters, not arrays, on PostgreSQL too)."""
    sending = _message(session, MessageState.sending, lease_until=LEASE)
    record_sent_many(session, {sending.id or 0: ("<abc@shop>", detail)}, NOW)
    session.refresh(sending)
    assert (sending.state, sending.sent_at, sending.provider_id) == (MessageState.sent, NOW, "<abc@shop>")
    assert _events(session, sending) == [("sent", detail or "accepted as <abc@shop>")]
    record_sent_many(session, {sending.id or 0: ("<again@shop>", "")}, NOW + timedelta(seconds=1))
    session.refresh(sending)  # a second record of the same send: no second event, the first id stays
    assert (sending.provider_id, sending.sent_at) == ("<abc@shop>", NOW)
    assert _events(session, sending) == [("sent", detail or "accepted as <abc@shop>")]
