"""Named loyalty cards: earned at the N-th purchase in a window, one current card per member.

Numbers are 16 digits: 15 random digits (``secrets``) and a Luhn check digit (python-stdnum), so a
mistyped number is caught as a check-digit error before any lookup.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, ValidationError

from loyalty.db import UTCDateTime, utcnow
from loyalty.errors import Invalid, NotFound

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
