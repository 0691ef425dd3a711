"""What a print run prints: active cards only, by number or by the shop's local issue day."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from loyalty.cards.numbers import format_card_number
from loyalty.cards.review import live_card
from loyalty.core.errors import Conflict, Gone, Invalid, NotFound
from loyalty.core.zones import start_of_day
from loyalty.models.cards import Card, CardStatus


def printable_card(session: Session, number: str) -> Card:
    """A card that may be printed: found and active (a card awaiting review or rejected is not printed; a
    replaced one is Gone, naming the new number)."""
    card = live_card(session, number)
    shown = format_card_number(card.number)
    if card.status == CardStatus.pending_review:
        raise Conflict(
            "cards.card_awaiting_staff_approval_approve",
            shown=shown,
            extra={"status": str(card.status)},
        )
    if card.status != CardStatus.active:
        raise Conflict(
            "cards.card_active_cards_printed",
            shown=shown,
            status=card.status,
            extra={"status": str(card.status)},
        )
    return card


def printable_cards(session: Session, numbers: list[str]) -> list[Card]:
    """The cards of a print sheet, in the given order; an error names the position of the bad number."""
    cards = []
    for position, raw in enumerate(numbers, start=1):
        try:
            cards.append(printable_card(session, raw))
        except Invalid as exc:
            raise Invalid(
                "numbers", "cards.number_at", position=position, raw=repr(raw), reason=exc
            ) from None
        except (NotFound, Conflict, Gone) as exc:
            raise type(exc)("cards.position", position=position, reason=exc, extra=exc.extra) from None
    return cards


def cards_to_print(session: Session, *, since_utc: datetime | None) -> list[Card]:
    """Active cards issued at or after ``since_utc`` (all active cards when None), oldest issue first.

    Cards awaiting review or revoked are never printed. Read only: no flush, no commit.
    """
    query = select(Card).where(Card.status == CardStatus.active)
    if since_utc is not None:
        query = query.where(Card.issued_at >= since_utc)
    return list(session.exec(query.order_by(col(Card.issued_at), col(Card.id))).all())


def cards_for_print_run(
    session: Session, *, timezone_name: str, since: date | None = None, numbers: list[str] | None = None
) -> list[Card]:
    """What a print run prints, oldest issue first: the given numbers (each once; an unknown, mistyped or
    inactive one is an error naming it), else the active cards issued on or after the local date ``since``
    in ``timezone_name`` (the shop's day, not UTC's), else every active card. Read only."""
    if numbers:
        unique = {card.id: card for card in printable_cards(session, numbers)}.values()
        return sorted(unique, key=lambda card: (card.issued_at, card.id or 0))
    if since is None:
        return cards_to_print(session, since_utc=None)
    return cards_to_print(session, since_utc=start_of_day(since, timezone_name))
