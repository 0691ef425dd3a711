"""Campaign tables: the campaign (trigger, audience, offer, channel) and its runs, one per occurrence."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime
from loyalty.models.coupons import OfferKind


class TriggerType(StrEnum):
    holiday = "holiday"
    date = "date"
    occasion = "occasion"


class CampaignStatus(StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    running = "running"
    done = "done"
    cancelled = "cancelled"


class RunStatus(StrEnum):
    planned = "planned"  # a later year of a yearly campaign, shown but not stored
    scheduled = "scheduled"
    running = "running"
    done = "done"
    cancelled = "cancelled"


class CampaignChannel(StrEnum):
    sms = "sms"
    email = "email"
    both = "both"  # one coupon, its message on SMS and on e-mail (each channel with its own consent)
    preferred = "preferred"


class Campaign(SQLModel, table=True):
    __tablename__ = "campaigns"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    status: CampaignStatus = Field(default=CampaignStatus.scheduled, sa_type=sa.String(16), index=True)
    # trigger
    trigger_type: TriggerType = Field(sa_type=sa.String(16))
    holiday_key: str | None = Field(default=None, max_length=64)
    country: str = Field(default="TR", max_length=2)
    year: int | None = None  # holiday trigger: None = every year
    days_before: int = 0
    send_time: str = Field(default="10:00", max_length=5)  # local HH:MM in each member's zone
    send_on: date | None = None  # date trigger: the local date
    occasion_kinds: list[str] | None = Field(default=None, sa_type=sa.JSON)
    for_whom: list[str] | None = Field(default=None, sa_type=sa.JSON)
    # audience filters (loyalty.campaigns.audience.AudienceFilter as JSON)
    audience: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # a saved segment the audience comes from (its filter is copied into ``audience`` while not yet run)
    segment_id: int | None = Field(default=None, foreign_key="segments.id", index=True)
    # offer
    offer_kind: OfferKind = Field(sa_type=sa.String(8))
    offer_value: Decimal = Field(sa_type=sa.Numeric(12, 2))
    min_purchase: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    valid_days: int = 14
    channel: CampaignChannel = Field(default=CampaignChannel.preferred, sa_type=sa.String(16))
    template: str | None = Field(default=None, max_length=40)  # message purpose; default holiday_coupon
    # marketing's own words: {"tr": {"sms": ..., "email": ..., "subject": ...}, "en": {...}} with named
    # placeholders ({ad}, {kod}, ...: loyalty.messaging.copy); a language or channel left out: the template
    message_copy: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created_by: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CampaignRun(SQLModel, table=True):
    __tablename__ = "campaign_runs"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "run_key"),
        sa.Index("ix_campaign_runs_status_issue_at", "status", "issue_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", ondelete="CASCADE", index=True)
    run_key: str = Field(max_length=32)
    send_date: date
    send_time: str = Field(max_length=5)
    issue_at: datetime = Field(sa_type=UTCDateTime)
    status: RunStatus = Field(default=RunStatus.scheduled, sa_type=sa.String(16))
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    targeted: int = 0
    coupons_issued: int = 0
    messages_queued: int = 0
    # set by a restore (``loyalty db reconcile-restore``): this run may have run after the backup, so the
    # messages it queues ask the provider for what it accepted since this time before sending
    reconcile_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
