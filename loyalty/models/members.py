"""The member table and the consent ledger."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.db import UTCDateTime, utcnow


class Channel(StrEnum):
    sms = "sms"
    email = "email"


class MemberBase(SQLModel):
    full_name: str = Field(max_length=200)
    phone: str = Field(max_length=20, unique=True, index=True)  # E.164
    email: str | None = Field(default=None, max_length=254, index=True)
    locale: str = Field(default="tr", max_length=8)
    timezone: str = Field(default="Europe/Istanbul", max_length=64)
    preferred_channel: Channel = Field(default=Channel.sms, sa_type=sa.String(8))


class Member(MemberBase, table=True):
    __tablename__ = "members"
    id: int | None = Field(default=None, primary_key=True)
    name_search: str = Field(max_length=200, index=True)  # loyalty.core.text.search_key(full_name)
    phone_valid: bool = True  # false once the SMS provider reports the number unusable
    # current consent, derived from the ledger (loyalty.members.consent) and written only by it
    sms_opt_in: bool = False
    email_opt_in: bool = False
    # pause of all promotions ("no reason asked"); paused_until None with paused=True means open-ended
    paused: bool = False
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    home_store_id: int | None = Field(default=None, foreign_key="stores.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


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
