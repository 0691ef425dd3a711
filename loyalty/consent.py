"""Consent is a ledger: one row per grant or revocation, per channel, with source, actor and time."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.db import UTCDateTime, utcnow
from loyalty.members import Channel


class ConsentEvent(SQLModel, table=True):
    __tablename__ = "consent_events"
    __table_args__ = (sa.Index("ix_consent_events_member_channel", "member_id", "channel", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    channel: Channel = Field(sa_type=sa.String(8))
    granted: bool
    source: str = Field(max_length=32)  # counter, self_service, sms keyword, email unsubscribe, import, ...
    actor: str = Field(max_length=120)  # "user:alice", "member", "twilio", ...
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
