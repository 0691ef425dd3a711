"""The occasions table: a member's own dates, always with the purpose behind them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime


class OccasionKind(StrEnum):
    birthday = "birthday"
    wedding_anniversary = "wedding_anniversary"
    new_job = "new_job"
    graduation = "graduation"
    new_home = "new_home"
    new_baby = "new_baby"
    custom = "custom"


class Recurrence(StrEnum):
    yearly = "yearly"
    once = "once"


class OccasionStatus(StrEnum):
    active = "active"
    retired = "retired"


PURPOSE_MAX = 280


class OccasionBase(SQLModel):
    kind: str = Field(sa_type=sa.String(24))  # an OccasionKind
    for_whom: str = Field(default="self", sa_type=sa.String(24))
    relation_name: str | None = Field(default=None, max_length=100)
    purpose: str = Field(max_length=PURPOSE_MAX)
    year: int | None = None
    month: int
    day: int
    recurrence: str = Field(sa_type=sa.String(8))  # a Recurrence
    remind_days_before: int = 3


class Occasion(OccasionBase, table=True):
    __tablename__ = "occasions"
    # (month, day) ranges for the upcoming window; the third column lets "celebrated on today + N and
    # reminded N days before" be point lookups for the daily reminders
    __table_args__ = (sa.Index("ix_occasions_month_day_remind", "month", "day", "remind_days_before"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", index=True)
    stated_by: str = Field(max_length=80)  # "member" or "user:<username>"
    status: OccasionStatus = Field(default=OccasionStatus.active, sa_type=sa.String(8))
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retired_by: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
