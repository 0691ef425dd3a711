"""Idempotency keys: a stored answer per (user, key), replayed to a retried request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime

MAX_KEY_LENGTH = 200


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    key: str = Field(max_length=MAX_KEY_LENGTH)
    scope: str = Field(max_length=120)  # what the key was used for, e.g. "coupon.redeem"
    fingerprint: str = Field(max_length=64)  # sha256 of the request (scope + its values)
    status_code: int | None = None  # None while the first request is still running
    response: Any = Field(default=None, sa_type=sa.JSON, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


KEYS: sa.Table = IdempotencyKey.__table__  # type: ignore[attr-defined]
