"""The shop's own settings (first-run setup) and the members' KVKK requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime


class ShopSettings(SQLModel, table=True):
    """One row (id 1): what the first admin sets on a fresh install. Environment variables override it."""

    __tablename__ = "shop_settings"
    id: int | None = Field(default=None, primary_key=True)
    shop_name: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=2)
    card_visits_needed: int | None = None
    card_window_days: int | None = None
    quiet_hours_start: int | None = None
    quiet_hours_end: int | None = None
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the shop's default campaign copy, same shape as ``Campaign.copy`` (edited on /admin)
    message_copy: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RequestKind(StrEnum):
    export = "export"
    erase = "erase"


class RequestStatus(StrEnum):
    open = "open"
    done = "done"


class MemberRequest(SQLModel, table=True):
    """A member's KVKK request (export or erase) from their page, for an admin to handle."""

    __tablename__ = "member_requests"
    __table_args__ = (sa.Index("ix_member_requests_status", "status", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(index=True)  # no foreign key: the request outlives an erase
    kind: RequestKind = Field(sa_type=sa.String(8))
    status: RequestStatus = Field(default=RequestStatus.open, sa_type=sa.String(8))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    handled_by: str | None = Field(default=None, max_length=120)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
