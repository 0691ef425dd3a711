"""Redemptions across a restore: exported before, re-applied after.

A restore brings back the database as it was at the backup: every redemption (and reversal) made since is
gone from it, and so is the audit log that recorded them. What survives is a file outside the database:
``redemption_records`` writes each redemption since a time as one plain JSON-able record named by the
coupon's code (ids of rows created after the backup mean nothing in the restored database), and
``reapply_redemptions`` replays them, in time order, onto the restored coupons. Replaying is idempotent:
a record already present (same coupon, action and time) is skipped, so the export can be taken again and
again (a cron every few minutes) and replayed whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.coupons.redeeming import mark_unredeemed, redeemed_values
from loyalty.models.coupons import COUPONS, REDEMPTIONS, CouponRedemption, CouponStatus, RedemptionAction
from loyalty.models.stores import Store
from loyalty.models.users import User

C = COUPONS.c
R = REDEMPTIONS.c


@dataclass
class Reapplied:
    """What a replay did: records applied, already present, and records it could not apply (with why)."""

    applied: int = 0
    present: int = 0
    skipped: list[str] = field(default_factory=list)


def redemption_records(session: Session, since: datetime) -> list[dict[str, Any]]:
    """Every redemption and reversal at or after ``since``, oldest first, as plain values."""
    rows = session.execute(
        sa.select(C.code, R.action, R.at, R.store_id, R.user_id, R.purchase_amount, R.discount, R.reason)
        .join(COUPONS, C.id == R.coupon_id)
        .where(R.at >= since)
        .order_by(R.at, R.id)
    )
    return [
        {
            "code": row.code,
            "action": str(row.action),
            "at": row.at.isoformat(),
            "store_id": row.store_id,
            "user_id": row.user_id,
            "purchase_amount": None if row.purchase_amount is None else str(row.purchase_amount),
            "discount": None if row.discount is None else str(row.discount),
            "reason": row.reason,
        }
        for row in rows
    ]


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _existing(session: Session, model: type[Store] | type[User], row_id: Any) -> int | None:
    """The id if that row exists in the restored database (a store added after the backup does not)."""
    return row_id if isinstance(row_id, int) and session.get(model, row_id) is not None else None


def _apply(session: Session, rec: dict[str, Any], at: datetime, coupon_id: int) -> bool:
    """One record onto its coupon; False if the coupon's state does not allow it (told by the caller)."""
    store_id = _existing(session, Store, rec.get("store_id"))
    user_id = _existing(session, User, rec.get("user_id"))
    if rec["action"] == RedemptionAction.redeem.value:
        done = session.execute(
            sa.update(COUPONS)
            .where(C.id == coupon_id, C.status.in_([CouponStatus.issued.value, CouponStatus.expired.value]))
            .values(
                redeemed_values(
                    at, store_id, user_id, _decimal(rec.get("purchase_amount")), _decimal(rec.get("discount"))
                )
            )
            .returning(C.id)
        ).first()
        if done is None:
            return False
    elif not mark_unredeemed(session, coupon_id, at):
        return False
    session.add(  # through the flush: audited under the session's actor, like the counter's
        CouponRedemption(
            coupon_id=coupon_id,
            action=RedemptionAction(rec["action"]),
            at=at,
            user_id=user_id,
            store_id=store_id,
            purchase_amount=_decimal(rec.get("purchase_amount")),
            discount=_decimal(rec.get("discount")),
            reason=rec.get("reason"),
        )
    )
    session.flush()
    return True


def reapply_redemptions(session: Session, records: list[dict[str, Any]], backup_at: datetime) -> Reapplied:
    """Replay exported records later than ``backup_at`` onto the restored coupons, oldest first. A coupon
    redeemed after the backup is redeemed again in the database (with its original time, store and staff
    user where those still exist), so the counter refuses it (409). Flushes only."""
    out = Reapplied()
    dated = sorted(((datetime.fromisoformat(rec["at"]), rec) for rec in records), key=lambda pair: pair[0])
    for at, rec in dated:
        if at <= backup_at:
            continue  # the backup has it
        if rec.get("action") not in (RedemptionAction.redeem.value, RedemptionAction.reverse.value):
            out.skipped.append(f"{rec.get('code')}: unknown action {rec.get('action')!r}")
            continue
        code = str(rec.get("code", ""))  # stored bare, as exported
        coupon_id = session.execute(sa.select(C.id).where(C.code == code)).scalar()
        if coupon_id is None:  # issued after the backup: gone with it, nobody can redeem it again
            out.skipped.append(f"{rec.get('code')}: not in the restored database")
            continue
        present = session.execute(
            sa.select(R.id).where(R.coupon_id == coupon_id, R.action == rec["action"], R.at == at)
        ).first()
        if present is not None:
            out.present += 1
        elif _apply(session, rec, at, coupon_id):
            out.applied += 1
        else:
            out.skipped.append(f"{rec.get('code')}: {rec['action']} at {rec['at']} does not fit its state")
    return out
