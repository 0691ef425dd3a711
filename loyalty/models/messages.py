"""Outbound messages and their state history.

Life of a message::

    queued --claim--> sending --provider ok--> sent --callback--> delivered
       ^  \\--policy: quiet hours / cap -> stays queued with a later not_before      \\--> failed
       |   \\-policy: paused / retired / no consent / expired -> cancelled
       +-- transient error (retry later), or an expired lease (the worker died: reconcile first)
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime
from loyalty.models.members import Channel


class MessageState(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    failed = "failed"
    cancelled = "cancelled"


class Category(StrEnum):
    """``personal``: what the member asked for (occasion reminders, occasion coupons). It goes before generic
    promotions: counted by the frequency cap, never deferred or dropped by it (delivery/policy.py)."""

    promotional = "promotional"
    transactional = "transactional"
    test = "test"  # a campaign's test send to marketing's own address: no member, no coupon, no statistic
    personal = "personal"


COMMERCIAL = (Category.promotional, Category.personal)  # carry the opt-out line; paused members get none


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("channel", "dedupe_key"),
        sa.Index("ix_messages_state_not_before", "state", "not_before"),
        sa.Index("ix_messages_member_category_claimed", "member_id", "category", "claimed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    member_id: int | None = Field(default=None, foreign_key="members.id", ondelete="CASCADE")  # None: a test
    channel: Channel = Field(sa_type=sa.String(8))  # the channel it goes (or went) out on
    requested_channel: str = Field(max_length=16)  # sms, email or preferred
    dedupe_key: str = Field(max_length=120)
    purpose: str = Field(max_length=40)  # the template: card_welcome, birthday_self, holiday_coupon, ...
    category: Category = Field(sa_type=sa.String(16))
    locale: str = Field(default="tr", max_length=8)
    context: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)  # primitive template values
    campaign_id: int | None = Field(default=None, index=True)
    run_id: int | None = Field(default=None, index=True)
    coupon_id: int | None = Field(default=None, index=True)
    occasion_id: int | None = Field(default=None, index=True)
    card_id: int | None = Field(default=None)
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # tied to a date (an occasion, a holiday): the end of that day, member-local; dropped, never sent late
    send_by: datetime | None = Field(default=None, sa_type=UTCDateTime)
    state: MessageState = Field(default=MessageState.queued, sa_type=sa.String(16))
    attempts: int = 0
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the fence: each claim draws a new token; only its holder may renew the lease or call the provider
    claim_token: str | None = Field(default=None, max_length=32)
    needs_reconcile: bool = False  # a previous attempt may have reached the provider
    to_address: str | None = Field(default=None, max_length=254)
    provider_id: str | None = Field(default=None, max_length=80, index=True)
    provider_status: str | None = Field(default=None, max_length=32)
    error_code: str | None = Field(default=None, max_length=16)
    error_message: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MessageEvent(SQLModel, table=True):
    """Status history: one row per change of a message's state (or provider status)."""

    __tablename__ = "message_events"
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="messages.id", ondelete="CASCADE", index=True)
    state: str = Field(max_length=16)
    detail: str = Field(default="", max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


MESSAGES: sa.Table = Message.__table__  # type: ignore[attr-defined]


EVENTS: sa.Table = MessageEvent.__table__  # type: ignore[attr-defined]
