"""Daily housekeeping: expire coupons past their last day, cancel those of a cancelled campaign."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.coupons.issuing import C
from loyalty.messaging import pass_updates
from loyalty.models.coupons import COUPONS, CouponStatus


def expire_coupons(session: Session, now: datetime | None = None) -> int:
    """Mark issued coupons past their expiry as expired (the daily beat task); returns how many."""
    now = now or utcnow()
    expired = list(
        session.execute(
            sa.update(COUPONS)
            .where(C.status == CouponStatus.issued.value, C.expires_at <= now)
            .values(status=CouponStatus.expired.value)
            .returning(C.id)
        ).scalars()
    )
    session.flush()
    pass_updates.coupons_changed(session, expired, now)  # the wallet passes list them no more
    return len(expired)


def cancel_coupons(session: Session, *, run_id: int | None = None, campaign_id: int | None = None) -> int:
    """Cancel the not yet redeemed coupons of a run or a campaign (a cancelled campaign); returns how many."""
    if run_id is None and campaign_id is None:
        raise ValueError("give run_id or campaign_id")
    query = sa.update(COUPONS).where(C.status == CouponStatus.issued.value)
    if run_id is not None:
        query = query.where(C.run_id == run_id)
    if campaign_id is not None:
        query = query.where(C.campaign_id == campaign_id)
    cancelled = list(
        session.execute(query.values(status=CouponStatus.cancelled.value).returning(C.id)).scalars()
    )
    session.flush()
    pass_updates.coupons_changed(session, cancelled)
    return len(cancelled)
