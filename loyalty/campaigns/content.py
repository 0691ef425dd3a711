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
from sqlmodel import Session, select

from loyalty.campaigns.audience import Reached
from loyalty.campaigns.triggers.registry import trigger_of
from loyalty.core.db import is_postgres
from loyalty.core.languages import LANGUAGES, language_of
from loyalty.core.zones import end_of_day, local_date
from loyalty.coupons.codes import format_code
from loyalty.coupons.issuing import Issued
from loyalty.coupons.offers import Offer
from loyalty.holidays.calendar import holidays_for
from loyalty.messaging.copy import copy_for
from loyalty.messaging.outbox import chunks
from loyalty.messaging.queue import MessageRow, queue
from loyalty.messaging.reach import BOTH, channels_of, one_per_channel, requested_on
from loyalty.messaging.wording import holiday_greeting, spoken_holiday
from loyalty.models.campaigns import Campaign, CampaignRun
from loyalty.models.coupons import COUPONS
from loyalty.models.messages import MESSAGES, Category
from loyalty.models.occasions import Occasion, OccasionStatus
from loyalty.models.shop import ShopSettings
from loyalty.occasions.greetings import merge_greetings
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
    if not trigger_of(campaign).names_holiday or not campaign.holiday_key:
        return {}
    day = occasion_day(campaign, run)
    values: dict[str, Any] = {"holiday_key": campaign.holiday_key}
    for lang in LANGUAGES:
        for year in (day.year, day.year + 1):
            for info in holidays_for(year, campaign.country, lang, session=session):
                if info.key == campaign.holiday_key and info.date >= day:
                    values.setdefault(f"holiday_name_{lang}", spoken_holiday(info.key, info.name, lang))
                    values.setdefault(f"holiday_greeting_{lang}", holiday_greeting(info.key, info.name, lang))
                    values.setdefault("holiday_on", info.date.isoformat())
    values["on_the_day"] = not campaign.days_before
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
    shop_copy: dict[str, Any] | None = None,
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
        lang = language_of(locale)
        values["holiday_name"] = holiday.get(f"holiday_name_{lang}", campaign.holiday_key)
        values["holiday_greeting"] = holiday.get(f"holiday_greeting_{lang}", "")
    template = campaign.template or DEFAULT_TEMPLATE
    # marketing's own words for this language travel with each message: what was approved is what is sent
    # (the campaign's own, else the shop's defaults from /admin)
    written = copy_for(campaign.message_copy, locale) or copy_for(shop_copy, locale)
    values |= {f"copy_{part}": text for part, text in written.items()}
    if occasion is not None and occasion_on is not None:
        values |= occasion_values(occasion, occasion_on, locale, campaign.days_before or 0)
        template = campaign.template or occasion_purpose(occasion.kind, occasion.for_whom)
    return template, values


def shop_copy(session: Session | None) -> dict[str, Any] | None:
    """The shop's default campaign words (set on /admin), if any."""
    row = session.get(ShopSettings, 1) if session is not None else None
    return row.message_copy if row is not None else None


def coupon_occasions(session: Session, occasion_ids: Sequence[int]) -> dict[int, Occasion]:
    """The occasions coupons were issued for, by id (each coupon names its own)."""
    found: dict[int, Occasion] = {}
    for chunk in chunks(sorted(set(occasion_ids)), 1000):
        query = select(Occasion).where(Occasion.id.in_(chunk))  # type: ignore[union-attr]
        found.update((o.id or 0, o) for o in session.exec(query))
    return found


def run_occasions(
    session: Session, campaign: Campaign, run: CampaignRun, member_ids: list[int]
) -> dict[int, Occasion]:
    """For an occasion campaign's coupons issued before they named their occasion (migration 0022): each
    member's first active occasion celebrated on the run's day."""
    if not trigger_of(campaign).per_occasion or not member_ids:
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


def coupon_last_day(valid_from: datetime, valid_days: int, zone: str) -> date:
    """The last day printed on a campaign's coupon: ``valid_days`` after its member-local start. It stays
    good through that day at the member's end of it and at the shop's (``running.coupon_window``)."""
    return local_date(valid_from + timedelta(days=valid_days), zone)


def tied_day(holiday: dict[str, Any], occasion: Occasion | None, day: date) -> date | None:
    """The date a campaign message is about (the holiday, the occasion), after which it is not sent."""
    if occasion is not None:
        return day
    if holiday.get("holiday_on"):
        return date.fromisoformat(holiday["holiday_on"])
    return None


def queue_campaign_messages(
    session: Session,
    content: RunMessages,
    audience: Sequence[Reached],
    *,
    now: datetime,
    issued: Issued[MessageRow] | None = None,
    built_by: BatchMessages | None = None,
) -> int:
    """Queue the messages of one batch of the run's audience (members in id order, as ``audience_select``
    streams them, each with the channel it computed): one message per coupon the batch's members hold in
    the run and per channel (``both``: SMS and e-mail with the same code), due at the coupon's
    ``valid_from`` (the member's own local send time), stale at its expiry, and never sent after the
    holiday or occasion it is about. An occasion's coupon is ``personal`` (it goes before generic
    promotions), any other ``promotional``. Idempotent (dedupe key ``coupon:<id>`` per channel). The
    occasion's reminder for the same day is merged into it (``occasions.greetings``): one greeting.

    The channel is the audience's (``reach.message_channel_sql``, computed once per member and run): it is
    never worked out again here. ``issued``: the batch's coupons as ``issue_coupon_rows`` just wrote them,
    every one new (so none has its message yet), with the rows ``built_by.build`` made of them while they
    went in: nothing is read back. Otherwise the batch's coupons still without their message are read.
    Returns how many messages were newly queued."""
    if not audience:
        return 0
    if issued is not None and issued.coupons is not None and issued.built is not None and built_by:
        coupons, messages, batch = issued.coupons, issued.built, built_by
    else:
        query = content.coupons_of(audience[0].member_id, audience[-1].member_id)
        members = {row.member_id for row in audience}
        coupons = [row for row in session.execute(query) if row[7] in members]
        batch = batch_messages(session, content, audience, coupons)
        messages = batch.build(coupons)
    queued = len(queue(session, messages, now=now))
    if batch.greets:  # an occasion's coupon and its reminder on one day are one greeting
        merge_greetings(session, [row[7] for row in coupons], now)
    return queued


@dataclass(frozen=True)
class BatchMessages:
    """One audience batch's message rows, built from its coupons without the session (the occasions they
    name looked up beforehand), so that they can be built while the coupons' COPY ends."""

    content: RunMessages
    members: dict[int, Reached]
    own: dict[int, Occasion]  # the occasions the coupons name, by id
    older: dict[int, Occasion]  # coupons issued before they named their occasion: by member

    @property
    def greets(self) -> bool:
        return bool(self.own or self.older)

    def build(self, coupons: Sequence[Sequence[Any]]) -> list[MessageRow]:
        """The message rows of ``coupons`` (rows of ``RunMessages.coupons_of``, or ``NewCoupon`` tuples)."""
        own, older, members, rows = self.own, self.older, self.members, self.content.rows
        return [
            message
            for coupon in coupons
            for message in rows(
                coupon,
                members[coupon[7]],
                own.get(coupon[8]) if coupon[8] is not None else older.get(coupon[7]),
            )
        ]


def batch_messages(
    session: Session,
    content: RunMessages,
    audience: Sequence[Reached],
    coupons: Sequence[Sequence[Any]] | None = None,
) -> BatchMessages:
    """Looks up what a batch's messages name: the occasions of its ``coupons`` (read back), or, before
    they are issued, of its audience rows (each coupon names its row's occasion)."""
    if coupons is None:
        pairs = [(row.member_id, row.occasion_id) for row in audience]
    else:
        pairs = [(coupon[7], coupon[8]) for coupon in coupons]
    return BatchMessages(
        content,
        {row.member_id: row for row in audience},
        coupon_occasions(session, [occasion for _, occasion in pairs if occasion is not None]),
        content.run_occasions(session, [member for member, occasion in pairs if occasion is None]),
    )


class RunMessages:
    """A run's message rows from its coupons and the audience's rows (zone, language and channel as
    ``audience_select`` told them); what repeats across members (the context but the code, the last day and
    the ``send_by`` per zone) is computed once per run."""

    def __init__(self, session: Session, campaign: Campaign, run: CampaignRun) -> None:
        self.campaign, self.run = campaign, run
        self.holiday, self.shop_copy = holiday_values(session, campaign, run), shop_copy(session)
        self.day = occasion_day(campaign, run)
        self.channel = str(campaign.channel)
        # a retried run: a coupon that already has its message (on whichever channel: "preferred" may
        # resolve differently after a consent change) gets no second one
        queued_before = sa.select(sa.exists().where(MESSAGES.c.run_id == run.id))
        self.retried = bool(session.execute(queued_before).scalar())
        # PostgreSQL hands back aware datetimes already: skip UTCDateTime's per-value conversion there
        self.aware = is_postgres(session)
        self._last_days: dict[tuple[datetime, str], date] = {}
        self._ends: dict[tuple[date, str], datetime] = {}
        self._contexts: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = {}

    def coupons_of(self, first: int, last: int) -> sa.Select[Any]:
        """The run's coupons of members ``first`` to ``last`` still without their message."""
        stamp = partial(sa.type_coerce, type_=sa.DateTime(timezone=True)) if self.aware else None
        query = sa.select(
            C.id,
            C.code,
            C.offer_kind,
            C.offer_value,
            C.min_purchase,
            stamp(C.valid_from) if stamp else C.valid_from,
            stamp(C.expires_at) if stamp else C.expires_at,
            C.member_id,
            C.occasion_id,
        ).where(C.run_id == self.run.id, C.member_id.between(first, last))
        if not trigger_of(self.campaign).per_occasion:
            query = query.where(C.occasion_id.is_(None))  # the (run, member) index
        if self.retried:
            wanted = channels_of(BOTH) if one_per_channel(self.channel) else [None]
            done = [
                sa.exists().where(MESSAGES.c.coupon_id == C.id, *([MESSAGES.c.channel == ch] if ch else []))
                for ch in wanted
            ]
            query = query.where(~sa.and_(*done))
        return query

    def run_occasions(self, session: Session, member_ids: list[int]) -> dict[int, Occasion]:
        return run_occasions(session, self.campaign, self.run, member_ids)

    def _last_day(self, valid_from: datetime, zone: str) -> date:
        key = (valid_from, zone)
        if (found := self._last_days.get(key)) is None:
            found = self._last_days[key] = coupon_last_day(valid_from, self.campaign.valid_days, zone)
        return found

    def _send_by(self, tied: date | None, zone: str) -> datetime | None:
        if tied is None:
            return None
        key = (tied, zone)
        if (found := self._ends.get(key)) is None:
            found = self._ends[key] = end_of_day(tied, zone)
        return found

    def rows(self, coupon: Sequence[Any], member: Reached, occasion: Occasion | None) -> list[MessageRow]:
        """The message rows of one coupon (a row of :meth:`coupons_of`) for its member's audience row."""
        coupon_id, code, kind, value, min_purchase, valid_from, expires_at = coupon[:7]
        zone, locale = member.timezone, member.locale
        facts = CouponFacts(
            code=format_code(code),
            offer_kind=kind,
            offer_value=value,
            min_purchase=min_purchase,
            expires_on=self._last_day(valid_from, zone),
        )
        if occasion is not None:
            template, context = message_context(
                self.campaign,
                facts,
                locale=locale,
                holiday=self.holiday,
                occasion=occasion,
                occasion_on=self.day,
                shop_copy=self.shop_copy,
            )
        else:  # the same for every coupon of one offer, last day and language: built once, the code put in
            key = (kind, value, min_purchase, facts.expires_on, locale)
            if (shared := self._contexts.get(key)) is None:
                shared = self._contexts[key] = message_context(
                    self.campaign, facts, locale=locale, holiday=self.holiday, shop_copy=self.shop_copy
                )
            template, context = shared[0], {**shared[1], "coupon_code": facts.code}
        send_by = self._send_by(tied_day(self.holiday, occasion, self.day), zone)
        category = (Category.personal if occasion is not None else Category.promotional).value
        return [
            MessageRow(
                member.member_id,
                requested_on(self.channel, channel),
                f"coupon:{coupon_id}",
                template,
                category,
                channel,
                locale,
                context,
                self.campaign.id,
                self.run.id,
                coupon_id,
                occasion.id if occasion is not None else None,
                None,
                valid_from,
                expires_at,
                send_by,
            )
            for channel in channels_of(member.channel)
        ]
