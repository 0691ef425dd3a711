"""The stores (branches) table."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from loyalty.core.db import UTCDateTime, utcnow


class StoreBase(SQLModel):
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Europe/Istanbul", max_length=64)


class Store(StoreBase, table=True):
    __tablename__ = "stores"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
