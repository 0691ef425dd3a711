"""Saved audience segments: a named audience filter marketing reuses across campaigns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime


class Segment(SQLModel, table=True):
    __tablename__ = "segments"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    filter: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)  # campaigns.audience.AudienceFilter
    created_by: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
