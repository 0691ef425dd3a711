"""The card welcome: the producer of the one transactional message a card brings, queued through messaging."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from loyalty.core import jobs
from loyalty.core.errors import NotFound
from loyalty.messaging.outbox import SEND_TASK
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.cards import Card
from loyalty.models.members import Member
from loyalty.models.messages import Category


def queue_card_welcome(session: Session, card_id: int, *, now: datetime | None = None) -> int:
    """Queue the welcome for a newly issued card (preferred channel; the e-mail carries the card PDF).

    Transactional: exempt from the frequency cap and from a promotions pause. The send job is handed to
    the broker after the caller commits. Returns 1 when queued, 0 when it already was."""
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound("common.card_not_found", card_id=card_id)
    member = session.get(Member, card.member_id)
    if member is None:
        raise NotFound("common.member_not_found", member_id=card.member_id)
    ids = queue(
        session,
        [
            MessageRow(
                member_id=card.member_id,
                requested_channel="preferred",
                dedupe_key=f"welcome:{card_id}",
                purpose="card_welcome",
                category=Category.transactional,
                locale=member.locale,
                context={"card_number": card.number, "holder_name": card.holder_name},
                card_id=card_id,
            )
        ],
        now=now,
    )
    for message_id in ids:
        jobs.defer(session, SEND_TASK, message_id)
    return len(ids)
