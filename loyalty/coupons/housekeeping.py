"""Daily housekeeping: expire coupons past their last day, cancel those of a cancelled campaign."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core.db import utcnow
from loyalty.coupons.issuing import C
from loyalty.models.coupons import COUPONS, CouponStatus


def expire_coupons(session: Session, now: datetime | None = None) -> int:
    """Mark issued coupons past their expiry as expired (the daily beat task); returns how many."""
    now = now or utcnow()
    result = session.execute(
        sa.update(COUPONS)
        .where(C.status == CouponStatus.issued.value, C.expires_at <= now)
        .values(status=CouponStatus.expired.value)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def cancel_coupons(session: Session, *, run_id: int | None = None, campaign_id: int | None = None) -> int:
    """Cancel the not yet redeemed coupons of a run or a campaign (a cancelled campaign); returns how many."""
    if run_id is None and campaign_id is None:
        raise ValueError("give run_id or campaign_id")
    query = sa.update(COUPONS).where(C.status == CouponStatus.issued.value)
    if run_id is not None:
        query = query.where(C.run_id == run_id)
    if campaign_id is not None:
        query = query.where(C.campaign_id == campaign_id)
    result = session.execute(query.values(status=CouponStatus.cancelled.value))
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
