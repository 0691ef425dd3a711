"""What one occasion will send: its reminder and the coupon message of every occasion campaign that matches
it, per channel, in the member's locale, with the local send date, rendered with the same builders the
reminder and the campaign run use (so the counter can show the member exactly what they will receive)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from loyalty.campaigns.audience import Reached
from loyalty.campaigns.content import CouponFacts, coupon_last_day, message_context, shop_copy
from loyalty.campaigns.preview import render_sample, sample_code
from loyalty.campaigns.running import coupon_window, run_audience
from loyalty.campaigns.schedule import new_run
from loyalty.campaigns.schemas import OccasionMessage, OccasionPreview, SampleMessage
from loyalty.campaigns.triggers.occasion import occasion_campaigns
from loyalty.core.clock import utcnow
from loyalty.core.errors import NotFound
from loyalty.core.i18n import gettext
from loyalty.core.languages import language_of
from loyalty.core.settings import Settings
from loyalty.core.tokens import unsubscribe_url
from loyalty.core.zones import local_date, local_instant, zone_of
from loyalty.members.links import SAMPLE_KEY, page_url
from loyalty.messaging.reach import best_channel, channels_of, is_paused
from loyalty.models.campaigns import Campaign, CampaignStatus
from loyalty.models.members import Member
from loyalty.models.occasions import Occasion, OccasionStatus
from loyalty.occasions.recurrence import next_occurrence
from loyalty.occasions.reminders import REMINDER_TIME, next_reminder, occasion_purpose, occasion_values
from loyalty.occasions.vocabulary import for_whom_addressed, for_whom_label

ACTIVE = (CampaignStatus.scheduled.value, CampaignStatus.running.value)


def _message(
    sample: SampleMessage,
    *,
    send_on: date,
    send_at: datetime,
    zone: str,
    campaign: Campaign | None = None,
) -> OccasionMessage:
    local = send_at.astimezone(zone_of(zone))
    return OccasionMessage(
        **sample.model_dump(),
        what="reminder" if campaign is None else "coupon",
        send_on=send_on,
        send_at=send_at,
        send_local=f"{local:%Y-%m-%dT%H:%M} {zone_of(zone).key}",
        campaign_id=None if campaign is None else campaign.id,
        campaign_name=None if campaign is None else campaign.name,
        sample_code=campaign is not None,
    )


def matching_campaigns(session: Session, occasion: Occasion) -> list[Campaign]:
    """Scheduled or running occasion campaigns whose kinds (and for_whom, when set) take this occasion."""
    found = session.exec(
        select(Campaign)
        .where(occasion_campaigns(), col(Campaign.status).in_(ACTIVE))
        .order_by(col(Campaign.id))
    ).all()
    return [
        c
        for c in found
        if occasion.kind in (c.occasion_kinds or []) and (not c.for_whom or occasion.for_whom in c.for_whom)
    ]


def _campaign_day(campaign: Campaign, occasion: Occasion, today: date) -> tuple[date, date] | None:
    """(send date, occasion day) of the campaign's next message about this occasion."""
    on = next_occurrence(occasion, today)
    while on is not None:
        send = date.fromordinal(on.toordinal() - campaign.days_before)
        if send >= today:
            return send, on
        on = next_occurrence(occasion, date.fromordinal(on.toordinal() + 1))
    return None


def preview_occasion(
    session: Session, occasion_id: int, *, settings: Settings, now: datetime | None = None, lang: str = "tr"
) -> OccasionPreview:
    """The occasion's messages in the member's language; ``notes`` (for staff) in ``lang``."""
    now = now or utcnow()
    occasion = session.get(Occasion, occasion_id)
    if occasion is None:
        raise NotFound("common.occasion_not_found", occasion_id=occasion_id)
    member = session.get(Member, occasion.member_id)
    if member is None:  # pragma: no cover - a foreign key
        raise NotFound("common.member_not_found", member_id=occasion.member_id)
    zone = zone_of(member.timezone, settings.timezone).key
    locale = language_of(member.locale)
    today = local_date(now, zone)
    name = member.full_name
    messages: list[OccasionMessage] = []
    notes: list[str] = []

    def view() -> OccasionPreview:  # built last: pydantic copies the lists it is given
        return OccasionPreview(
            occasion_id=occasion_id,
            member_id=member.id or 0,
            locale=locale,
            timezone=zone,
            occasion_on=next_occurrence(occasion, today),
            for_whom_label=for_whom_label(occasion, locale),
            for_whom_addressed=for_whom_addressed(occasion, locale),
            messages=messages,
            notes=notes,
        )

    if occasion.status != OccasionStatus.active:
        notes.append(gettext("preview.retired", lang))
        return view()
    if is_paused(member, now):
        notes.append(gettext("preview.paused", lang))
        return view()

    def links(channel: str) -> tuple[str, str]:
        # the link's length as sent (a short key); the real key is made when the message goes
        return page_url(settings.public_base_url, SAMPLE_KEY), unsubscribe_url(
            settings, member.id or 0, channel
        )

    reminder = next_reminder(occasion, today)
    channel = best_channel(member)
    if reminder is not None and channel is None:
        notes.append(gettext("preview.no_consent", lang))
    elif reminder is not None and channel is not None:
        send_on, on = reminder
        sample = render_sample(
            occasion_purpose(occasion.kind, occasion.for_whom),
            locale,
            channel.value,
            occasion_values(occasion, on, locale, (on - send_on).days),
            settings,
            member_name=name,
            links=links(channel.value),
            number=member.phone,
        )
        send_at = max(local_instant(send_on, REMINDER_TIME, zone), now)
        messages.append(_message(sample, send_on=send_on, send_at=send_at, zone=zone))

    for campaign in matching_campaigns(session, occasion):
        day = _campaign_day(campaign, occasion, today)
        if day is None:
            continue
        send_on, on = day
        run = new_run(campaign, "preview", send_on)
        audience = run_audience(campaign, run, now, lapsed_days=settings.lapsed_days)
        reached = session.execute(audience.where(col(Member.id) == member.id).limit(1)).first()
        if reached is None:
            notes.append(gettext("preview.not_in_audience", lang, id=campaign.id, name=campaign.name))
            continue
        start, _expires = coupon_window(campaign, run, zone, settings.timezone)
        facts = CouponFacts(
            code=sample_code(),
            offer_kind=campaign.offer_kind,
            offer_value=campaign.offer_value,
            min_purchase=campaign.min_purchase,
            expires_on=coupon_last_day(start, campaign.valid_days, zone),
        )
        template, values = message_context(
            campaign,
            facts,
            locale=locale,
            holiday={},
            occasion=occasion,
            occasion_on=on,
            shop_copy=shop_copy(session),
        )
        for ch in channels_of(Reached(*reached).channel):  # the channel the run's audience computes
            sample = render_sample(
                template, locale, ch, values, settings, member_name=name, links=links(ch), number=member.phone
            )
            at = max(start, now)
            messages.append(_message(sample, send_on=send_on, send_at=at, zone=zone, campaign=campaign))
    return view()
