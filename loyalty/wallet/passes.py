"""The wallet pass of a card: made once (a random serial and authentication token), found by its serial
and token, and the devices registered for its updates (Apple's pass web service)."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.core import dialect
from loyalty.core.clock import utcnow
from loyalty.models.cards import Card
from loyalty.models.wallet import PASSES, REGISTRATIONS, WalletPass, WalletRegistration

AUTH_SCHEME = "ApplePass"


def pass_for_card(session: Session, card: Card, now: datetime | None = None) -> WalletPass:
    """The card's pass, made the first time (safe when two requests make it at once). Flushes."""
    assert card.id is not None
    session.execute(
        dialect.insert(session, PASSES)
        .values(
            card_id=card.id,
            member_id=card.member_id,
            serial=secrets.token_hex(16),
            auth_token=secrets.token_urlsafe(32),
            tag=0,
            updated_at=now or utcnow(),
            google_saved=False,
            created_at=now or utcnow(),
        )
        .on_conflict_do_nothing()
    )
    found = session.exec(select(WalletPass).where(WalletPass.card_id == card.id)).one()
    return found


def pass_by_serial(session: Session, serial: str) -> WalletPass | None:
    return session.exec(select(WalletPass).where(WalletPass.serial == serial)).first()


def authorized_pass(session: Session, serial: str, authorization: str | None) -> WalletPass | None:
    """The pass when ``Authorization: ApplePass <token>`` carries its token, else None (Apple: 401)."""
    wallet_pass = pass_by_serial(session, serial)
    scheme, _, token = (authorization or "").partition(" ")
    if wallet_pass is None or scheme != AUTH_SCHEME:
        return None
    if not hmac.compare_digest(token.strip().encode(), wallet_pass.auth_token.encode()):
        return None
    return wallet_pass


def register_device(session: Session, wallet_pass: WalletPass, device_id: str, push_token: str) -> bool:
    """True when the device is newly registered for the pass (201), False when it already was (200; its
    push token is kept up to date). Flushes."""
    assert wallet_pass.id is not None
    found = session.exec(
        select(WalletRegistration).where(
            WalletRegistration.device_id == device_id, WalletRegistration.pass_id == wallet_pass.id
        )
    ).first()
    if found is not None:
        found.push_token = push_token
        session.add(found)
        session.flush()
        return False
    inserted = session.execute(
        dialect.insert(session, REGISTRATIONS)
        .values(device_id=device_id, push_token=push_token, pass_id=wallet_pass.id, created_at=utcnow())
        .on_conflict_do_nothing()
    )
    session.flush()
    return bool(getattr(inserted, "rowcount", 1))


def unregister_device(session: Session, wallet_pass: WalletPass, device_id: str) -> bool:
    result = session.execute(
        sa.delete(REGISTRATIONS).where(
            REGISTRATIONS.c.device_id == device_id, REGISTRATIONS.c.pass_id == wallet_pass.id
        )
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0))


def serials_updated_since(session: Session, device_id: str, since: int | None) -> tuple[list[str], int]:
    """The serials of the device's passes changed after tag ``since`` (all when None), and the newest tag."""
    query = (
        select(WalletPass)
        .join(WalletRegistration, col(WalletRegistration.pass_id) == col(WalletPass.id))
        .where(WalletRegistration.device_id == device_id)
    )
    if since is not None:
        query = query.where(col(WalletPass.tag) > since)
    found = session.exec(query.order_by(col(WalletPass.id))).all()
    return [p.serial for p in found], max((p.tag for p in found), default=since or 0)


def push_tokens(session: Session, pass_ids: list[int]) -> list[str]:
    """The push tokens of the devices registered for the passes, each once."""
    tokens = session.exec(
        select(WalletRegistration.push_token).where(col(WalletRegistration.pass_id).in_(pass_ids)).distinct()
    ).all()
    return sorted(tokens)


def forget_push_tokens(session: Session, tokens: list[str]) -> int:
    """The devices whose push tokens APNs no longer knows are registered for nothing. Flushes."""
    result = session.execute(sa.delete(REGISTRATIONS).where(REGISTRATIONS.c.push_token.in_(tokens)))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
