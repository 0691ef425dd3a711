"""Staff decisions on cards: held cards with the feedback behind them, reject with a reason, and the
replacement of a lost card (a new number for the same member; the old one then answers 410 naming it)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from loyalty.cards.issuing import find_card, issue_card
from loyalty.cards.numbers import format_card_number
from loyalty.core.clock import utcnow
from loyalty.core.errors import Conflict, Gone, Invalid
from loyalty.messaging import pass_updates
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Member
from loyalty.models.purchases import Feedback


def _reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise Invalid("reason", "cards.reason_required")
    if len(text) > 500:
        raise Invalid("reason", "common.reason_most_500_characters")
    return text


def live_card(session: Session, number: str) -> Card:
    """The card with this number; a replaced one is Gone, naming the member's new number (for staff)."""
    card = find_card(session, number)
    if card.status == CardStatus.replaced and card.replaced_by_number:
        new = format_card_number(card.replaced_by_number)
        raise Gone(
            "cards.card_was_replaced",
            number=format_card_number(card.number),
            new=new,
            extra={
                "replaced_by": card.replaced_by_number,
                "replaced_by_display": new,
                "member_id": card.member_id,
            },
        )
    return card


def held_cards(session: Session, limit: int = 200) -> list[tuple[Card, Member, Feedback | None]]:
    """Cards awaiting review, oldest first, each with its member and the member's latest feedback."""
    rows = session.exec(
        select(Card, Member)
        .join(Member, col(Member.id) == col(Card.member_id))
        .where(Card.status == CardStatus.pending_review)
        .order_by(col(Card.issued_at), col(Card.id))
        .limit(limit)
    ).all()
    out: list[tuple[Card, Member, Feedback | None]] = []
    for card, member in rows:
        feedback = session.exec(
            select(Feedback)
            .where(Feedback.member_id == card.member_id)
            .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
            .limit(1)
        ).first()
        out.append((card, member, feedback))
    return out


def reject_card(
    session: Session, number: str, reason: str, *, actor_user_id: int | None, now: datetime | None = None
) -> Card:
    """Staff decide a held card is not released: pending_review -> rejected, with the reason. The member
    may earn a card again by later visits (held again while the latest feedback is a detractor score)."""
    text = _reason(reason)
    card = live_card(session, number)
    if card.status != CardStatus.pending_review:
        raise Conflict(
            "cards.card_card_awaiting_review_rejected",
            status=card.status,
            extra={"status": str(card.status)},
        )
    card.status = CardStatus.rejected
    card.review_reason = text
    card.reviewed_by_user_id = actor_user_id
    card.reviewed_at = now or utcnow()
    session.add(card)
    session.flush()
    return card


def replace_card(
    session: Session, number: str, reason: str, *, actor_user_id: int | None, now: datetime | None = None
) -> Card:
    """A lost or damaged card: the old number stops working (replaced, naming the new one) and the member
    gets a new active card with a new number (and its welcome, with the PDF by e-mail)."""
    text = _reason(reason)
    now = now or utcnow()
    card = live_card(session, number)
    if card.status != CardStatus.active:
        raise Conflict(
            "cards.card_active_card_replaced",
            status=card.status,
            extra={"status": str(card.status)},
        )
    member = session.get(Member, card.member_id)
    holder = member.full_name if member else card.holder_name
    card.status = CardStatus.replaced
    card.review_reason = text
    card.reviewed_by_user_id = actor_user_id
    card.reviewed_at = now
    session.add(card)
    session.flush()  # frees the member's "one current card" slot for the new one
    new, _created = issue_card(session, card.member_id, holder, now=now)
    card.replaced_by_number = new.number
    session.add(card)
    session.flush()
    pass_updates.cards_changed(session, [card.id or 0], now)  # its wallet pass is voided at once
    return new
