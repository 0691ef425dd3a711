"""Issuing a card (one current card per member, under any concurrency), approving a held one, finding one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from loyalty.cards.numbers import format_card_number, new_card_number, parse_card_number
from loyalty.cards.welcome import queue_card_welcome
from loyalty.core.clock import utcnow
from loyalty.core.errors import Conflict, NotFound
from loyalty.models.cards import CURRENT_STATUSES, Card, CardStatus


def find_card(session: Session, number: str) -> Card:
    """The card with this number (any status); the number is parsed first, so typos give a 422."""
    digits = parse_card_number(number)
    card = session.exec(select(Card).where(Card.number == digits)).first()
    if card is None:
        raise NotFound("cards.number_unknown", digits=format_card_number(digits))
    return card


def current_card(session: Session, member_id: int) -> Card | None:
    """The member's active or pending-review card, if any (at most one: uq_cards_member_current)."""
    return session.exec(
        select(Card).where(Card.member_id == member_id, col(Card.status).in_(CURRENT_STATUSES))
    ).first()


def member_card(session: Session, member_id: int) -> Card:
    """The member's current card, or NotFound (the member may not exist or may not have earned one yet)."""
    card = current_card(session, member_id)
    if card is None:
        rejected = session.exec(
            select(Card)
            .where(Card.member_id == member_id, Card.status == CardStatus.rejected)
            .order_by(col(Card.id).desc())
        ).first()
        if rejected is not None:  # the counter says why the card the member earned was not given
            raise NotFound(
                "cards.member_card_was_rejected",
                member_id=member_id,
                extra={"rejected": {
                    "number": rejected.number,
                    "number_display": format_card_number(rejected.number),
                    "status": CardStatus.rejected.value,
                    "review_reason": rejected.review_reason,
                }},
            )
        raise NotFound("cards.member_card_yet", member_id=member_id)
    return card


def issue_card(
    session: Session,
    member_id: int,
    holder_name: str,
    *,
    pending_review: bool = False,
    now: datetime | None = None,
) -> tuple[Card, bool]:
    """Create the member's card unless one is current; returns (card, newly_issued).

    The partial unique index ``uq_cards_member_current`` is the guard: a concurrent issue that won the
    race makes our INSERT fail inside a SAVEPOINT, and we return the winner's card instead. A clash on
    the (random) number itself just draws a new number.
    """
    for _attempt in range(5):
        card = Card(
            member_id=member_id,
            number=new_card_number(),
            holder_name=holder_name,
            status=CardStatus.pending_review if pending_review else CardStatus.active,
            issued_at=now or utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(card)
                session.flush()
        except IntegrityError:
            existing = current_card(session, member_id)
            if existing is not None:
                return existing, False
            continue
        if card.status == CardStatus.active:
            _queue_welcome(session, card, now)
        return card, True
    raise RuntimeError("could not draw a free card number in 5 attempts")  # pragma: no cover


def approve_card(
    session: Session, number: str, *, actor_user_id: int | None, now: datetime | None = None
) -> Card:
    """Staff review of a held card: pending_review -> active (approving an active card changes nothing)."""
    card = find_card(session, number)
    if card.status == CardStatus.active:
        return card
    if card.status != CardStatus.pending_review:
        raise Conflict("cards.card_card_awaiting_review_approved", status=card.status)
    card.status = CardStatus.active
    card.reviewed_by_user_id = actor_user_id
    card.reviewed_at = now or utcnow()
    session.add(card)
    session.flush()
    _queue_welcome(session, card, now)
    return card


def _queue_welcome(session: Session, card: Card, now: datetime | None) -> None:
    """The welcome message (with the PDF card by e-mail) goes out once the card is active."""
    assert card.id is not None
    queue_card_welcome(session, card.id, now=now)
