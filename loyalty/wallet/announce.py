"""A coupon on the lock screen: the wallet pass's ``changeMessage`` rides the coupon's own message.

A pass update that shows text is a message, so it goes when the coupon's SMS or e-mail goes: at the moment
the send step claims it, after the same policy (consent, pause, quiet hours, the frequency cap). The pass
then names the coupon in its announced field (``changeMessage``: "Yeni kuponunuz: %@"), its tag moves and
its devices get a push after the claim's commit; the message's history says so. One coupon is announced
once, however many channels carry it. When the coupon's message is cancelled (no consent, paused, too
late), the pass still lists the coupon on its back, silently: no field with a ``changeMessage`` changes.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from loyalty.messaging.outbox import record_events
from loyalty.messaging.pass_updates import WALLET_EVENT, touch_passes
from loyalty.models.cards import Card, CardStatus
from loyalty.models.messages import Message
from loyalty.models.wallet import WalletPass


def _live_passes(session: Session, member_id: int) -> list[WalletPass]:
    return list(
        session.exec(
            select(WalletPass)
            .join(Card, col(Card.id) == col(WalletPass.card_id))
            .where(WalletPass.member_id == member_id, Card.status == CardStatus.active)
        )
    )


def coupon_message_claimed(session: Session, message: Message, now: datetime) -> list[int]:
    """The coupon's message goes out now: the member's pass announces the coupon. Flushes; the pass ids."""
    if message.coupon_id is None or message.member_id is None:
        return []
    changed = [
        p for p in _live_passes(session, message.member_id) if p.announced_coupon_id != message.coupon_id
    ]
    if not changed:
        return []
    for wallet_pass in changed:
        wallet_pass.announced_coupon_id = message.coupon_id
        session.add(wallet_pass)
    session.flush()
    ids = touch_passes(session, [p.id or 0 for p in changed], now)
    record_events(session, [message.id or 0], WALLET_EVENT, "shown on the wallet pass's lock screen", now)
    return ids


def coupon_message_cancelled(session: Session, message: Message, now: datetime) -> list[int]:
    """The coupon's message will not go: the pass lists the coupon without announcing it. Flushes."""
    if message.coupon_id is None or message.member_id is None:
        return []
    return touch_passes(session, [p.id or 0 for p in _live_passes(session, message.member_id)], now)
