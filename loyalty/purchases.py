"""Purchases: recorded once per receipt id; the card rule is evaluated on each new one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.db import UTCDateTime, utcnow


class Purchase(SQLModel, table=True):
    __tablename__ = "purchases"
    __table_args__ = (sa.Index("ix_purchases_member_occurred", "member_id", "occurred_at"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    store_id: int | None = Field(default=None, foreign_key="stores.id")
    receipt_id: str = Field(max_length=64, unique=True)
    amount: Decimal = Field(sa_type=sa.Numeric(12, 2))
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
