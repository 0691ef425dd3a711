"""Named loyalty cards: earned at the N-th purchase in a window, one current card per member.

Numbers are 16 digits: 15 random digits (``secrets``) and a Luhn check digit (python-stdnum), so a
mistyped number is caught as a check-digit error before any lookup.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, ValidationError

from loyalty.db import UTCDateTime, utcnow
from loyalty.errors import Conflict, Invalid, NotFound

CARD_NUMBER_LENGTH = 16
CURRENT_STATUSES = ("active", "pending_review")


class CardStatus(StrEnum):
    active = "active"
    pending_review = "pending_review"
    revoked = "revoked"


class Card(SQLModel, table=True):
    __tablename__ = "cards"
    __table_args__ = (
        # one current (active or awaiting review) card per member, under any concurrency
        sa.Index(
            "uq_cards_member_current",
            "member_id",
            unique=True,
            sqlite_where=sa.text("status IN ('active', 'pending_review')"),
            postgresql_where=sa.text("status IN ('active', 'pending_review')"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", index=True)
    number: str = Field(max_length=20, unique=True)  # digits only, last one a Luhn check digit
    holder_name: str = Field(max_length=200)
    status: CardStatus = Field(sa_type=sa.String(16))
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reviewed_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CardPublic(SQLModel):
    number: str  # 16 digits, as printed in the QR code
    number_display: str  # grouped by four, as printed on the card
    holder_name: str
    status: CardStatus
    issued_at: datetime
    member_id: int


def to_public(card: Card) -> CardPublic:
    return CardPublic(
        number=card.number,
        number_display=format_card_number(card.number),
        holder_name=card.holder_name,
        status=card.status,
        issued_at=card.issued_at,
        member_id=card.member_id,
    )


class MemberSummary(SQLModel):
    id: int
    full_name: str
    phone: str
    email: str | None
    member_since: datetime


class CardScan(SQLModel):
    """What the counter sees after scanning a card."""

    card: CardPublic
    member: MemberSummary
    # the member's active coupons; filled in by the coupons module (H4b) once it exists
    active_coupons: list[dict[str, Any]] = []


def new_card_number() -> str:
    """A fresh 16-digit number: 15 random digits (first one not 0) and the Luhn check digit."""
    body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(14))
    return body + luhn.calc_check_digit(body)


def format_card_number(number: str) -> str:
    """Group digits by four for people: ``1234 5678 9012 3456``."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def parse_card_number(raw: str) -> str:
    """Typed or scanned text -> the 16 digits; Invalid("number", ...) says what is wrong with it."""
    number = "".join(str(raw).split()).replace("-", "")
    if not number.isascii() or not number.isdigit():
        raise Invalid(
            "number", "card number must contain digits only / kart numarası yalnızca rakam içermeli"
        )
    if len(number) != CARD_NUMBER_LENGTH:
        raise Invalid(
            "number",
            f"card number must have {CARD_NUMBER_LENGTH} digits, got {len(number)} / "
            f"kart numarası {CARD_NUMBER_LENGTH} haneli olmalı ({len(number)} hane girildi)",
        )
    try:
        luhn.validate(number)
    except InvalidChecksum:
        raise Invalid(
            "number", "card number check digit is wrong / kart numarasının kontrol basamağı hatalı"
        ) from None
    except ValidationError:  # pragma: no cover - digits of the right length only fail the checksum
        raise Invalid("number", "card number is not valid / kart numarası geçersiz") from None
    return number


def find_card(session: Session, number: str) -> Card:
    """The card with this number (any status); the number is parsed first, so typos give a 422."""
    digits = parse_card_number(number)
    card = session.exec(select(Card).where(Card.number == digits)).first()
    if card is None:
        raise NotFound(f"no card with number {format_card_number(digits)} / bu numarada kart yok")
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
        raise NotFound(f"member {member_id} has no card yet / üyenin henüz kartı yok")
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
        raise Conflict(
            f"card is {card.status}, only a card awaiting review can be approved / kart onay beklemiyor"
        )
    card.status = CardStatus.active
    card.reviewed_by_user_id = actor_user_id
    card.reviewed_at = now or utcnow()
    session.add(card)
    session.flush()
    _queue_welcome(session, card, now)
    return card


def _queue_welcome(session: Session, card: Card, now: datetime | None) -> None:
    """The welcome message (with the PDF card by e-mail) goes out once the card is active."""
    from loyalty.messages import queue_card_welcome

    assert card.id is not None
    queue_card_welcome(session, card.id, now=now)


def scan_card(session: Session, number: str) -> CardScan:
    """Card + member summary for the counter (a card in any status: staff see why it does not work)."""
    from loyalty.coupons import active_coupons, summary
    from loyalty.members import Member

    card = find_card(session, number)
    member = session.get(Member, card.member_id)
    if member is None or member.id is None:  # pragma: no cover - cascade deletes cards with the member
        raise NotFound(f"member {card.member_id} not found")
    return CardScan(
        card=to_public(card),
        member=MemberSummary(
            id=member.id,
            full_name=member.full_name,
            phone=member.phone,
            email=member.email,
            member_since=member.created_at,
        ),
        active_coupons=[summary(c).model_dump(mode="json") for c in active_coupons(session, member.id)],
    )


def printable_card(session: Session, number: str) -> Card:
    """A card that may be printed: found and active (a card awaiting review or revoked is not printed)."""
    card = find_card(session, number)
    if card.status != CardStatus.active:
        raise Conflict(
            f"card {format_card_number(card.number)} is {card.status}, only active cards are printed / "
            "yalnızca aktif kartlar basılır"
        )
    return card


def printable_cards(session: Session, numbers: list[str]) -> list[Card]:
    """The cards of a print sheet, in the given order; an error names the position of the bad number."""
    cards = []
    for position, raw in enumerate(numbers, start=1):
        try:
            cards.append(printable_card(session, raw))
        except Invalid as exc:
            raise Invalid("numbers", f"number #{position} ({raw!r}): {exc.message}") from None
        except (NotFound, Conflict) as exc:
            raise type(exc)(f"number #{position}: {exc.message}") from None
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
    local_midnight = datetime.combine(since, time(0, 0), tzinfo=ZoneInfo(timezone_name))
    return cards_to_print(session, since_utc=local_midnight.astimezone(UTC))

