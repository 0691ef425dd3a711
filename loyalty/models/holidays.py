"""The store days table (the shop's own holidays) and the kinds of calendar entry."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime


class HolidayKind(StrEnum):
    public = "public"
    commercial = "commercial"
    store = "store"


class StoreDayBase(SQLModel):
    key: str = Field(max_length=64, unique=True, index=True)
    name_tr: str = Field(max_length=120)
    name_en: str = Field(default="", max_length=120)
    month: int
    day: int
    year: int | None = None  # None: every year; a year: that year only


class StoreDay(StoreDayBase, table=True):
    __tablename__ = "store_days"
    id: int | None = Field(default=None, primary_key=True)
    created_by: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
