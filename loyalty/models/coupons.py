"""Coupon tables: the coupon with its offer as issued, and the append-only redemption audit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime


class CouponStatus(StrEnum):
    issued = "issued"
    redeemed = "redeemed"
    expired = "expired"
    cancelled = "cancelled"


class OfferKind(StrEnum):
    percent = "percent"
    amount = "amount"


class RedemptionAction(StrEnum):
    redeem = "redeem"
    reverse = "reverse"


class Coupon(SQLModel, table=True):
    __tablename__ = "coupons"
    __table_args__ = (
        # one coupon per member per campaign run; an occasion campaign's: one per occasion of the run's day
        sa.Index(
            "uq_coupons_run_member",
            "run_id",
            "member_id",
            unique=True,
            sqlite_where=sa.text("occasion_id IS NULL"),
            postgresql_where=sa.text("occasion_id IS NULL"),
        ),
        sa.Index(
            "uq_coupons_run_occasion",
            "run_id",
            "occasion_id",
            unique=True,
            sqlite_where=sa.text("occasion_id IS NOT NULL"),
            postgresql_where=sa.text("occasion_id IS NOT NULL"),
        ),
        sa.Index("ix_coupons_status_expires_at", "status", "expires_at"),
        sa.Index("ix_coupons_member_id_status", "member_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    run_id: int = Field(foreign_key="campaign_runs.id")
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    # the occasion this coupon celebrates (occasion campaigns). No foreign key: erasing a member deletes her
    # occasions while her coupons' audit stays
    occasion_id: int | None = Field(default=None)
    code: str = Field(max_length=16, unique=True)  # bare, upper case; format_code() for people
    # the offer as it was when the coupon was issued
    offer_kind: OfferKind = Field(sa_type=sa.String(8))
    offer_value: Decimal = Field(sa_type=sa.Numeric(12, 2))
    min_purchase: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    currency: str = Field(max_length=3)
    valid_from: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    status: CouponStatus = Field(default=CouponStatus.issued, sa_type=sa.String(16))
    redeemed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    redeemed_store_id: int | None = Field(default=None, foreign_key="stores.id")
    redeemed_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    redeemed_purchase_amount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    redeemed_discount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CouponRedemption(SQLModel, table=True):
    """The audit of redemptions and their reversals: rows are only ever added."""

    __tablename__ = "coupon_redemptions"
    id: int | None = Field(default=None, primary_key=True)
    coupon_id: int = Field(foreign_key="coupons.id", ondelete="CASCADE", index=True)
    action: RedemptionAction = Field(sa_type=sa.String(8))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    store_id: int | None = Field(default=None, foreign_key="stores.id")
    purchase_amount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    discount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    reason: str | None = Field(default=None, max_length=500)
    # the purchase this redemption was part of (POST /members/{id}/purchases with coupon_code)
    purchase_id: int | None = Field(default=None, foreign_key="purchases.id", ondelete="SET NULL", index=True)


COUPONS: sa.Table = Coupon.__table__  # type: ignore[attr-defined]


REDEMPTIONS: sa.Table = CouponRedemption.__table__  # type: ignore[attr-defined]
