"""Sign-in throttling: failed attempts counted in the database, so every API process agrees.

Three sliding windows of ``WINDOW`` each, checked before any password is hashed (a refused attempt costs
no Argon2 time):
- one account from one client address: ``PAIR_LIMIT`` failures (a person mistyping, or a guesser);
- one client address, any accounts: ``ADDRESS_LIMIT`` failures (one guesser trying many accounts);
- one account, any addresses: ``ACCOUNT_LIMIT`` failures (a guesser spread over many addresses).
A throttled attempt is answered with the seconds until the window lets the next one through. None of the
windows touches another account from another address: a guesser at one address cannot lock out a
colleague elsewhere, and only a guesser with ``ACCOUNT_LIMIT`` failures per window can slow the account it
targets. A successful sign-in clears its own account-and-address count only (logging in to one's own
account does not reset the address's count). The account-wide window can still slow an admin down from
everywhere during a spread-out attack: ``loyalty users unlock NAME`` (``clear_account``) lifts it at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from loyalty.models.users import MAX_NAME, LoginFailure

WINDOW = timedelta(minutes=15)
PAIR_LIMIT = 5
ADDRESS_LIMIT = 20
ACCOUNT_LIMIT = 50


@dataclass(frozen=True)
class Throttled:
    retry_after: int  # whole seconds, at least 1
    scope: str  # "account and address", "address" or "account"


def _key(username: str) -> str:
    return username.strip()[:MAX_NAME]


def _wait(session: Session, where: list[sa.ColumnElement[bool]], limit: int, now: datetime) -> float:
    """Seconds until fewer than ``limit`` failures matching ``where`` lie in the window (0: not throttled)."""
    oldest_that_counts = session.exec(
        select(LoginFailure.at)
        .where(col(LoginFailure.at) > now - WINDOW, *where)
        .order_by(col(LoginFailure.at).desc())
        .offset(limit - 1)
        .limit(1)
    ).first()
    if oldest_that_counts is None:
        return 0.0
    return max(0.0, (oldest_that_counts + WINDOW - now).total_seconds())


def throttled(session: Session, username: str, address: str, now: datetime) -> Throttled | None:
    """Whether a sign-in as ``username`` from ``address`` must wait, and how long."""
    name = _key(username)
    checks = (
        (
            "account and address",
            [col(LoginFailure.username) == name, col(LoginFailure.address) == address],
            PAIR_LIMIT,
        ),
        ("address", [col(LoginFailure.address) == address], ADDRESS_LIMIT),
        ("account", [col(LoginFailure.username) == name], ACCOUNT_LIMIT),
    )
    waits = [(_wait(session, where, limit, now), scope) for scope, where, limit in checks]
    seconds, scope = max(waits)
    return Throttled(max(1, math.ceil(seconds)), scope) if seconds > 0 else None


def record_failure(session: Session, username: str, address: str, now: datetime) -> None:
    """Count a failed sign-in (and forget failures older than the window). Flushes."""
    session.exec(delete(LoginFailure).where(col(LoginFailure.at) <= now - WINDOW))
    session.add(LoginFailure(username=_key(username), address=address[:64], at=now))
    session.flush()


def record_success(session: Session, username: str, address: str) -> None:
    """A successful sign-in clears the count of its own account from its own address. Flushes."""
    session.exec(
        delete(LoginFailure).where(
            col(LoginFailure.username) == _key(username), col(LoginFailure.address) == address[:64]
        )
    )
    session.flush()


def clear_account(session: Session, username: str) -> int:
    """Forget every failed sign-in of one account, from every address (the operator's unlock); returns
    how many were counted. Flushes."""
    result = session.execute(sa.delete(LoginFailure).where(col(LoginFailure.username) == _key(username)))
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
