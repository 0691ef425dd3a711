"""A campaign's messages: what each member reads, built once here for both the run and the preview.

``message_context`` is the one builder of a campaign message's template values (JSON-safe: ``*_on`` ISO
dates, ``*_amount`` decimal strings); the sender adds the member's name, the shop and the links. The run
queues one message per coupon with it; the preview renders the same values with a sample code, so what
marketing previews is what members receive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.core.db import is_postgres, utcnow
from loyalty.core.errors import NotFound
from loyalty.core.zones import end_of_day, local_date
from loyalty.coupons.codes import format_code
from loyalty.coupons.offers import Offer
from loyalty.holidays.calendar import holidays_for
from loyalty.messaging.outbox import chunks, insert_message_rows
from loyalty.messaging.reach import PREFERRED, reachable, reachable_on
from loyalty.models.campaigns import Campaign, CampaignChannel, CampaignRun, TriggerType
from loyalty.models.coupons import COUPONS
from loyalty.models.members import Channel, Member
from loyalty.models.messages import MESSAGES, Category
from loyalty.models.occasions import Occasion, OccasionStatus
from loyalty.occasions.recurrence import next_occurrence
from loyalty.occasions.reminders import occasion_purpose, occasion_values

DEFAULT_TEMPLATE = "holiday_coupon"
C = COUPONS.c


def offer_of(campaign: Campaign, currency: str) -> Offer:
    return Offer(
        kind=campaign.offer_kind,
        value=Decimal(campaign.offer_value),
        min_purchase=None if campaign.min_purchase is None else Decimal(campaign.min_purchase),
        valid_days=campaign.valid_days,
        currency=currency,
    )


def occasion_day(campaign: Campaign, run: CampaignRun) -> date:
    """The local day the run is about: the holiday or occasion ``days_before`` after the send date."""
    return run.send_date + timedelta(days=campaign.days_before or 0)


def holiday_values(session: Session | None, campaign: Campaign, run: CampaignRun) -> dict[str, Any]:
    """For a holiday campaign: its key, its date and its name in each language (empty otherwise)."""
    if campaign.trigger_type != TriggerType.holiday or not campaign.holiday_key:
        return {}
    day = occasion_day(campaign, run)
    values: dict[str, Any] = {"holiday_key": campaign.holiday_key}
    for lang in ("tr", "en"):
        for year in (day.year, day.year + 1):
            for info in holidays_for(year, campaign.country, lang, session=session):
                if info.key == campaign.holiday_key and info.date >= day:
                    values.setdefault(f"holiday_name_{lang}", info.name)
                    values.setdefault("holiday_on", info.date.isoformat())
    return values


@dataclass(frozen=True)
class CouponFacts:
    """What a message says about its coupon."""

    code: str  # grouped, as printed
    offer_kind: str
    offer_value: Decimal
    min_purchase: Decimal | None
    expires_on: date  # the last day it is good, in the member's zone


def message_context(
    campaign: Campaign,
    coupon: CouponFacts,
    *,
    locale: str,
    holiday: dict[str, Any],
    occasion: Occasion | None = None,
    occasion_on: date | None = None,
) -> tuple[str, dict[str, Any]]:
    """(template, values) of one campaign message. The template is the campaign's own, else for an
    occasion the one that fits it (birthday_self, birthday_relative, once_congrats, occasion_reminder),
    else holiday_coupon."""
    values: dict[str, Any] = {
        "campaign_name": campaign.name,
        "coupon_code": coupon.code,
        "offer_kind": coupon.offer_kind,
        "offer_value": str(coupon.offer_value),
        "expires_on": coupon.expires_on.isoformat(),
        **holiday,
    }
    if coupon.min_purchase is not None:
        values["min_purchase_amount"] = str(coupon.min_purchase)
    if holiday:
        lang = "en" if locale.startswith("en") else "tr"
        values["holiday_name"] = holiday.get(f"holiday_name_{lang}", campaign.holiday_key)
    template = campaign.template or DEFAULT_TEMPLATE
    if occasion is not None and occasion_on is not None:
        values |= occasion_values(occasion, occasion_on, locale)
        template = campaign.template or occasion_purpose(occasion.kind, occasion.for_whom)
    return template, values


def run_occasions(
    session: Session, campaign: Campaign, run: CampaignRun, member_ids: list[int]
) -> dict[int, Occasion]:
    """For an occasion campaign: each member's active occasion celebrated on the run's day."""
    if campaign.trigger_type != TriggerType.occasion or not member_ids:
        return {}
    day = occasion_day(campaign, run)
    found: dict[int, Occasion] = {}
    for chunk in chunks(member_ids, 1000):
        query = select(Occasion).where(
            Occasion.member_id.in_(chunk),  # type: ignore[attr-defined]
            Occasion.status == OccasionStatus.active,
        )
        if campaign.occasion_kinds:
            query = query.where(Occasion.kind.in_(campaign.occasion_kinds))  # type: ignore[attr-defined]
        if campaign.for_whom:
            query = query.where(Occasion.for_whom.in_(campaign.for_whom))  # type: ignore[attr-defined]
        for occasion in session.exec(query.order_by(Occasion.id)):  # type: ignore[arg-type]
            if occasion.member_id not in found and next_occurrence(occasion, day) == day:
                found[occasion.member_id] = occasion
    return found


def last_day(expires_at: datetime, zone: str) -> date:
    """The last local day a coupon is good (it expires at the next local midnight: ``end_of_day``)."""
    return local_date(expires_at - timedelta(microseconds=1), zone)


def message_channels(campaign: Campaign, member: Member) -> list[str]:
    """The channels one coupon's message goes on: the campaign's; for ``both`` each channel the member is
    reachable on (its own consent), so with one consent only that one."""
    if campaign.channel != CampaignChannel.both:
        return [str(campaign.channel)]
    return [ch.value for ch in (Channel.sms, Channel.email) if reachable(member, ch)]


def tied_day(holiday: dict[str, Any], occasion: Occasion | None, day: date) -> date | None:
    """The date a campaign message is about (the holiday, the occasion), after which it is not sent."""
    if occasion is not None:
        return day
    if holiday.get("holiday_on"):
        return date.fromisoformat(holiday["holiday_on"])
    return None


MESSAGE_BATCH = 10_000  # coupons read, and their messages written, per round: memory stays flat


def _channel_columns(channel: str) -> list[sa.ColumnElement[Any]]:
    """The SQL that tells a coupon's message channels (``message_channels`` and ``queue_messages``' own
    resolution of ``preferred``, set-based): for ``both`` whether the member is reachable on SMS and on
    e-mail; for ``preferred`` the preferred channel if reachable there, else the other reachable one, else
    the preferred one (the send-time policy decides then)."""
    sms, email = reachable_on(Channel.sms), reachable_on(Channel.email)
    if channel == CampaignChannel.both:
        return [sms.label("sms_ok"), email.label("email_ok")]
    if channel == PREFERRED:
        prefers_sms = col(Member.preferred_channel) == Channel.sms.value
        resolved = sa.case(
            (sa.and_(prefers_sms, sms), Channel.sms.value),
            (sa.and_(sa.not_(prefers_sms), email), Channel.email.value),
            (sms, Channel.sms.value),
            (email, Channel.email.value),
            else_=col(Member.preferred_channel),
        )
        return [resolved.label("resolved")]
    return []


def queue_campaign_messages(session: Session, run_id: int, *, now: datetime | None = None) -> int:
    """One message per coupon of the run and channel (``both``: SMS and e-mail with the same code), due at
    the coupon's ``valid_from`` (the member's own local send time), stale at its expiry, and never sent
    after the holiday or occasion it is about. An occasion's coupon is ``personal`` (it goes before generic
    promotions), any other ``promotional``. Idempotent (dedupe key ``coupon:<id>`` per channel).

    Streams: the run's coupons (with the member columns the message needs, as plain rows) are read in
    batches of ``MESSAGE_BATCH``, and each batch's messages are written before the next is read, so
    nothing proportional to the audience is held."""
    run = session.get(CampaignRun, run_id)
    if run is None:
        raise NotFound(f"campaign run {run_id} not found")
    campaign = session.get(Campaign, run.campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {run.campaign_id} not found")
    now = now or utcnow()
    # PostgreSQL hands back aware datetimes already: skip UTCDateTime's per-value conversion there
    stamp = partial(sa.type_coerce, type_=sa.DateTime(timezone=True)) if is_postgres(session) else None
    query = (
        sa.select(
            C.id,
            C.code,
            C.offer_kind,
            C.offer_value,
            C.min_purchase,
            stamp(C.valid_from) if stamp else C.valid_from,
            stamp(C.expires_at) if stamp else C.expires_at,
            col(Member.id),
            col(Member.timezone),
            col(Member.locale),
            *_channel_columns(str(campaign.channel)),
        )
        .join(Member, col(Member.id) == C.member_id)
        .where(C.run_id == run_id)
    )
    if session.execute(sa.select(sa.exists().where(MESSAGES.c.run_id == run_id))).scalar():
        # a retried run: a coupon that already has its message (on whichever channel: "preferred" may
        # resolve differently after a consent change) gets no second one
        wanted = ["sms", "email"] if campaign.channel == CampaignChannel.both else [None]
        done = [
            sa.exists().where(MESSAGES.c.coupon_id == C.id, *([MESSAGES.c.channel == ch] if ch else []))
            for ch in wanted
        ]
        query = query.where(~sa.and_(*done))
    build = _MessageBuilder(campaign, run, holiday_values(session, campaign, run))
    queued = 0
    # a server-side cursor on PostgreSQL; its snapshot is taken before the first insert (and a message
    # inserted meanwhile only concerns a coupon already read)
    result = session.connection().execute(query.execution_options(yield_per=MESSAGE_BATCH))
    for rows in result.partitions():
        occasions = run_occasions(session, campaign, run, [row[7] for row in rows])
        messages = [message for row in rows for message in build(row, occasions.get(row[7]))]
        queued += insert_message_rows(session, messages, now=now)
    return queued


class _MessageBuilder:
    """A run's message rows (``outbox.ROW_COLUMNS``) from plain coupon rows; what repeats across members
    (the context but the code, the last day and the ``send_by`` per zone) is computed once."""

    def __init__(self, campaign: Campaign, run: CampaignRun, holiday: dict[str, Any]) -> None:
        self.campaign, self.run_id, self.holiday = campaign, run.id, holiday
        self.day = occasion_day(campaign, run)
        self.channel = str(campaign.channel)
        self._last_days: dict[tuple[datetime, str], date] = {}
        self._ends: dict[tuple[date, str], datetime] = {}
        self._contexts: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = {}

    def _last_day(self, expires_at: datetime, zone: str) -> date:
        key = (expires_at, zone)
        if (found := self._last_days.get(key)) is None:
            found = self._last_days[key] = last_day(expires_at, zone)
        return found

    def _send_by(self, tied: date | None, zone: str) -> datetime | None:
        if tied is None:
            return None
        key = (tied, zone)
        if (found := self._ends.get(key)) is None:
            found = self._ends[key] = end_of_day(tied, zone)
        return found

    def __call__(self, row: Sequence[Any], occasion: Occasion | None) -> list[tuple[Any, ...]]:
        coupon_id, code, kind, value, min_purchase, valid_from, expires_at, member_id, zone, locale = row[:10]
        facts = CouponFacts(
            code=format_code(code),
            offer_kind=kind,
            offer_value=value,
            min_purchase=min_purchase,
            expires_on=self._last_day(expires_at, zone),
        )
        day = self.day
        if occasion is not None:
            template, context = message_context(
                self.campaign,
                facts,
                locale=locale,
                holiday=self.holiday,
                occasion=occasion,
                occasion_on=self.day,
            )
        else:  # the same for every coupon of one offer, last day and language: built once, the code put in
            key = (kind, value, min_purchase, facts.expires_on, locale)
            if (shared := self._contexts.get(key)) is None:
                shared = self._contexts[key] = message_context(
                    self.campaign, facts, locale=locale, holiday=self.holiday
                )
            template, context = shared[0], {**shared[1], "coupon_code": facts.code}
        send_by = self._send_by(tied_day(self.holiday, occasion, day), zone)
        if self.channel == CampaignChannel.both:
            channels = [
                (ch.value, ch.value) for ch, ok in ((Channel.sms, row[10]), (Channel.email, row[11])) if ok
            ]
        elif self.channel == PREFERRED:
            channels = [(row[10], PREFERRED)]
        else:
            channels = [(self.channel, self.channel)]
        category = (Category.personal if occasion is not None else Category.promotional).value
        return [
            (
                member_id,
                channel,
                requested,
                f"coupon:{coupon_id}",
                template,
                category,
                locale,
                context,
                self.campaign.id,
                self.run_id,
                coupon_id,
                occasion.id if occasion is not None else None,
                None,
                valid_from,
                expires_at,
                send_by,
            )
            for channel, requested in channels
        ]
