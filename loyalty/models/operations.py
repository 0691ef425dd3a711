"""Operational records: provider webhooks already acted on, the heartbeats of periodic processes, and each
channel's next free send slot."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.db import UTCDateTime


class WebhookReceipt(SQLModel, table=True):
    __tablename__ = "webhook_receipts"
    __table_args__ = (sa.UniqueConstraint("kind", "message_sid"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # "inbound"
    message_sid: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)


class Heartbeat(SQLModel, table=True):
    __tablename__ = "heartbeats"
    name: str = Field(primary_key=True, max_length=32)
    at: datetime = Field(sa_type=UTCDateTime)


class SendRateSlot(SQLModel, table=True):
    """A channel's next free send slot (loyalty.delivery.pacing): the provider's pace across workers."""

    __tablename__ = "send_rate_slots"
    channel: str = Field(primary_key=True, max_length=16)
    next_slot: datetime = Field(sa_type=UTCDateTime)
