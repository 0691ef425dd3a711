"""The wallet pass's update port: a producer whose change shows on the member's pass (a coupon redeemed or
expired, an occasion added, a card replaced or erased) says so here, in its own unit of work.

The passes concerned take a new update tag (one counter row, taken under its row lock, so tags become
visible in order) and ``Last-Modified``; the push to their registered devices is a job handed to the broker
after the commit. A member without a pass costs one indexed SELECT and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core import jobs
from loyalty.core.clock import utcnow
from loyalty.models.coupons import Coupon
from loyalty.models.wallet import PASSES, TAGS

PUSH_TASK = "workers.wallet_push"
WALLET_EVENT = "wallet"  # a message's history: its coupon was shown on the wallet pass's lock screen
REHEARSAL = "loyalty.rehearsal"  # session.info key: a forecast's transaction, rolled back, touches no pass


def next_tag(session: Session) -> int:
    """A new update tag (the counter row is locked until this transaction ends)."""
    value = session.execute(
        sa.update(TAGS).where(TAGS.c.id == 1).values(value=TAGS.c.value + 1).returning(TAGS.c.value)
    ).scalar_one_or_none()
    if value is None:  # a database made without the migration's row
        session.execute(sa.insert(TAGS).values(id=1, value=1))
        value = 1
    return int(value)


def touch_passes(session: Session, pass_ids: Sequence[int], now: datetime | None = None) -> list[int]:
    """The passes take a new tag and their devices a push after the commit. Flushes; returns the ids."""
    ids = sorted(set(pass_ids))
    if not ids or session.info.get(REHEARSAL):
        return ids
    tag = next_tag(session)
    session.execute(sa.update(PASSES).where(PASSES.c.id.in_(ids)).values(tag=tag, updated_at=now or utcnow()))
    session.flush()
    jobs.defer(session, PUSH_TASK, ids)
    return ids


def _pass_ids(session: Session, condition: sa.ColumnElement[bool]) -> list[int]:
    return [int(i) for i in session.execute(sa.select(PASSES.c.id).where(condition)).scalars()]


def members_changed(session: Session, member_ids: Sequence[int], now: datetime | None = None) -> list[int]:
    """What the members' passes show changed (an occasion, a coupon redeemed)."""
    if not member_ids:
        return []
    return touch_passes(session, _pass_ids(session, PASSES.c.member_id.in_(sorted(set(member_ids)))), now)


def cards_changed(session: Session, card_ids: Sequence[int], now: datetime | None = None) -> list[int]:
    """The cards were replaced, revoked or rejected: their passes are served voided from now on."""
    if not card_ids:
        return []
    return touch_passes(session, _pass_ids(session, PASSES.c.card_id.in_(sorted(set(card_ids)))), now)


def coupons_changed(session: Session, coupon_ids: Sequence[int], now: datetime | None = None) -> list[int]:
    """Coupons redeemed, reversed, expired or cancelled: their owners' passes list them no more (or again)."""
    if not coupon_ids:
        return []
    coupons: sa.Table = Coupon.__table__  # type: ignore[attr-defined]
    owners = sa.select(coupons.c.member_id).where(coupons.c.id.in_(sorted(set(coupon_ids))))
    return touch_passes(session, _pass_ids(session, PASSES.c.member_id.in_(owners)), now)
