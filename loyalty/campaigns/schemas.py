"""Campaign inputs (triggers, offer, audience) and outputs (the campaign, its runs, preview and results)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Tag
from pydantic import Field as PydField

from loyalty.campaigns.audience import AudienceFilter
from loyalty.core.db import RowId
from loyalty.core.languages import DEFAULT_LANGUAGE, Language


class HolidayTrigger(BaseModel):
    type: Literal["holiday"]
    holiday_key: str
    year: int | None = None  # None: every year
    days_before: int = 0
    send_time: str = "10:00"
    country: str | None = None


class DateTrigger(BaseModel):
    type: Literal["date"]
    send_at: str  # local date-time, "2026-12-31T10:00"


class OccasionTrigger(BaseModel):
    type: Literal["occasion"]
    kinds: list[str]
    for_whom: list[str] | None = None
    days_before: int = 0
    send_time: str = "10:00"


Trigger = Annotated[HolidayTrigger | DateTrigger | OccasionTrigger, PydField(discriminator="type")]


class OfferIn(BaseModel):
    kind: Literal["percent", "amount"]
    value: Decimal
    min_purchase: Decimal | None = None
    valid_days: int = 14


class SegmentRef(BaseModel):
    """A campaign's audience from a saved segment: ``{"segment_id": N}``."""

    model_config = ConfigDict(extra="forbid")

    segment_id: RowId


def _audience_kind(value: Any) -> str:
    """A body with ``segment_id`` names a saved segment; anything else is a filter (so an error in a filter
    is reported at that field only, not also as a missing ``segment_id``)."""
    if isinstance(value, SegmentRef) or (isinstance(value, dict) and "segment_id" in value):
        return "segment"
    return "filter"


Audience = Annotated[
    Annotated[SegmentRef, Tag("segment")] | Annotated[AudienceFilter, Tag("filter")],
    Discriminator(_audience_kind),
]


class CampaignCreate(BaseModel):
    name: str
    trigger: Trigger
    audience: Audience = PydField(default_factory=AudienceFilter)
    offer: OfferIn
    channel: Literal["sms", "email", "both", "preferred"] = "preferred"
    template: str | None = None
    # marketing's own words per language and channel: {"tr": {"sms": ..., "email": ..., "subject": ...}}
    message_copy: dict[str, dict[str, str | None]] | None = None
    draft: bool = False  # saved and previewable, not sent until scheduled


class CopyIn(BaseModel):
    """Marketing's text as they type it, for the live preview (or a campaign's whole copy to save)."""

    locale: Language = DEFAULT_LANGUAGE  # type: ignore[assignment]
    channel: Literal["sms", "email"] = "sms"
    text: str = PydField(max_length=10_000)
    subject: str | None = PydField(default=None, max_length=200)
    trigger: Literal["holiday", "date", "occasion"] = "holiday"


class CopyUpdate(BaseModel):
    message_copy: dict[str, dict[str, str | None]] | None = None


class RouteParts(BaseModel):
    """What one SMS costs on the route a number takes (LOYALTY_SMS_ROUTES): a Turkish gateway carries
    Turkish letters as GSM-7 national characters, Twilio only has GSM-7 and UCS-2; each route has its own
    opt-out line and price per part."""

    route: str  # the destination: "turkish" (+90) or "international"
    backend: str  # the route it takes: netgsm, twilio or outbox
    encoding: str
    segments: int
    length: int
    cost: Decimal
    text: str  # the SMS as it goes on this route
    forced_by: str | None = None  # the characters that forced UCS-2 on this route


class RunPublic(BaseModel):
    id: int | None
    run_key: str
    status: str  # "sending" (shown, never stored) while a done run's messages still wait
    messages_waiting: int = 0  # queued or being sent (deferred ones included): no fate yet
    send_date: date
    send_time: str
    issue_at: datetime
    scheduled_for: datetime  # the send instant in the shop's zone, UTC
    scheduled_local: str  # "2026-05-25T10:00 Europe/Istanbul"
    targeted: int = 0
    coupons_issued: int = 0
    messages_queued: int = 0


class CampaignPublic(BaseModel):
    id: int
    name: str
    status: str  # "sending" (shown, never stored) while a done campaign's messages still wait
    messages_waiting: int = 0  # queued or being sent (deferred ones included): no fate yet
    trigger: dict[str, Any]
    audience: dict[str, Any]
    segment_id: int | None = None
    offer: dict[str, Any]
    channel: str
    template: str
    message_copy: dict[str, Any] | None = None
    created_by: str
    created_at: datetime
    scheduled_for: datetime | None  # the next send instant (shop's zone), UTC
    scheduled_local: str | None
    timezone: str


@dataclass(frozen=True)
class RunResult:
    run_id: int
    status: str  # done | cancelled | not_due | already_done
    targeted: int = 0
    coupons_issued: int = 0
    messages_queued: int = 0
    next_run_id: int | None = None


class SampleMessage(BaseModel):
    locale: str
    channel: str
    subject: str = ""
    text: str
    html: str = ""
    encoding: str | None = None  # SMS only: GSM-7 or UCS-2
    segments: int | None = None
    length: int | None = None
    forced_by: str | None = None  # the characters that forced UCS-2
    parts: list[RouteParts] = []  # SMS only: parts and cost on the member's route, else per destination


class CostEstimate(BaseModel):
    sms_messages: int
    sms_segments: int
    emails: int
    sms_cost: Decimal
    email_cost: Decimal
    total: Decimal
    currency: str


class CampaignPreview(BaseModel):
    campaign_id: int
    run_key: str | None
    scheduled_for: datetime | None
    audience: dict[str, int]  # total, sms, email
    audience_by_locale: dict[str, dict[str, int]]  # channel -> locale -> members
    samples: list[SampleMessage]
    estimated_cost: CostEstimate


class DayStats(BaseModel):
    day: date
    coupons: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    redeemed: int = 0
    revenue: Decimal = Decimal("0.00")
    deferred: int = 0  # messages moved on by quiet hours or the cap that day (by the day they were moved)
    dropped: int = 0  # could not go in their time (the cap, a date passed): by the day it was decided
    cancelled: int = 0  # what they named was no longer valid, or the member's choice


class FateCount(BaseModel):
    """How many of a campaign's messages met one fate for one reason (loyalty.messaging.fates)."""

    fate: str  # deferred | dropped | cancelled | failed
    reason: str
    messages: int


class CampaignStats(BaseModel):
    targeted: int
    coupons: int
    sent: int
    delivered: int
    failed: int
    redeemed: int
    redemption_rate: float  # redeemed / coupons
    revenue: Decimal  # the purchase amounts of the redeeming purchases
    per_day: list[DayStats]
    # issue 19: the fates the cap and the policy decided, with their reasons
    deferred: int = 0  # messages ever deferred (some went later, some are still waiting)
    dropped: int = 0
    cancelled: int = 0
    reasons: list[FateCount] = []


class CampaignDetail(CampaignPublic):
    runs: list[RunPublic]  # runs so far and planned (a yearly campaign: this year's and next year's)
    stats: CampaignStats


class CampaignCreated(CampaignPublic):
    runs: list[RunPublic]


# ---- issue 13: segments, test sends, overlaps, results, NPS


class SegmentIn(BaseModel):
    name: str
    filter: AudienceFilter = PydField(default_factory=AudienceFilter)


class SegmentPatch(BaseModel):
    name: str | None = None
    filter: AudienceFilter | None = None


class AudienceCount(BaseModel):
    total: int
    sms: int
    email: int


class SegmentPublic(BaseModel):
    id: int
    name: str
    filter: dict[str, Any]
    members: AudienceCount  # who the filter reaches today on the member's preferred channel
    campaigns: list[int]  # campaigns using it
    created_by: str
    created_at: datetime
    updated_at: datetime


class CountRequest(BaseModel):
    filter: AudienceFilter = PydField(default_factory=AudienceFilter)
    channel: Literal["sms", "email", "both", "preferred"] = "preferred"


class TestSendIn(BaseModel):
    phone: str | None = None
    email: str | None = None
    locale: str | None = None


class TestSendOut(BaseModel):
    id: int
    channel: str
    to: str
    state: str
    category: str
    purpose: str


class OverlapItem(BaseModel):
    campaign_id: int
    name: str
    status: str
    reasons: list[str]  # same_holiday, same_window
    scheduled_for: datetime | None
    shared_members: int


class OverlapReport(BaseModel):
    campaign_id: int
    scheduled_for: datetime | None
    audience: int
    overlaps: list[OverlapItem]
    frequency_cap: int
    cap_window_days: int
    # played by the forecast (loyalty.delivery.campaign_forecast): members of this campaign whose message the
    # cap makes wait or drops, of them those it drops, and the other messages this campaign defers, drops
    # or cancels (another campaign's coupon, a member's own reminder), over ``forecast_days`` from now
    deferred_by_cap: int
    dropped_by_cap: int = 0
    others_deferred: int = 0
    others_dropped: int = 0
    others_cancelled: int = 0
    forecast_days: int = 0  # 0: the send lies beyond the forecast's longest play, not played
    forecast_limit_days: int = 0  # that longest play


class YearResult(BaseModel):
    year: int
    campaign_id: int
    name: str
    status: str
    coupons: int
    sent: int
    redeemed: int
    redemption_rate: float
    revenue: Decimal


class YearOverYear(BaseModel):
    holiday_key: str | None
    years: list[YearResult]


class NpsFigures(BaseModel):
    responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    score: float | None = None  # % promoters - % detractors, -100..100; None without responses


class NpsGroup(NpsFigures):
    key: str
    label: str


class NpsReport(BaseModel):
    group_by: str
    date_from: date
    date_to: date
    overall: NpsFigures
    groups: list[NpsGroup]


class DetractorComment(BaseModel):
    id: int
    member_id: int
    member_name: str
    score: int
    comment: str | None
    created_at: datetime
    followup: str
    followup_note: str | None
    followup_by: str | None
    followup_at: datetime | None


class FollowUpIn(BaseModel):
    followup: Literal["open", "contacted", "resolved"]
    note: str | None = None


class OccasionMessage(SampleMessage):
    """One message an occasion will send, as the member will read it (a coupon shows a sample code)."""

    what: Literal["reminder", "coupon"]
    campaign_id: int | None = None
    campaign_name: str | None = None
    send_on: date  # the member's local date
    send_at: datetime  # UTC
    send_local: str  # "2026-12-06T10:00 Europe/Istanbul"
    sample_code: bool = False  # the code shown is a sample: the real one is drawn when the campaign runs


class OccasionPreview(BaseModel):
    occasion_id: int
    member_id: int
    locale: str
    timezone: str
    occasion_on: date | None  # the next day it is celebrated (member-local)
    for_whom_label: str  # the member's own words (staff)
    for_whom_addressed: str  # as the messages say it to the member
    messages: list[OccasionMessage]
    notes: list[str]  # why something will not be sent (consent, pause, audience)
