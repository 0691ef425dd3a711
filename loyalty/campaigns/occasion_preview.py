"""What one occasion will send: its reminder and the coupon message of every occasion campaign that matches
it, per channel, in the member's locale, with the local send date, rendered with the same builders the
reminder and the campaign run use (so the counter can show the member exactly what they will receive)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from loyalty.campaigns.content import CouponFacts, last_day, message_channels, message_context
from loyalty.campaigns.preview import render_sample, sample_code
from loyalty.campaigns.running import coupon_window, run_audience
from loyalty.campaigns.schedule import new_run
from loyalty.campaigns.schemas import OccasionMessage, OccasionPreview, SampleMessage
from loyalty.core.db import utcnow
from loyalty.core.errors import NotFound
from loyalty.core.settings import Settings
from loyalty.core.tokens import member_page_url, unsubscribe_url
from loyalty.core.zones import local_date, local_instant, zone_of
from loyalty.messaging.reach import PREFERRED, choose_channel, is_paused
from loyalty.messaging.templates import LOCALES
from loyalty.models.campaigns import Campaign, CampaignChannel, CampaignStatus, TriggerType
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
        .where(col(Campaign.trigger_type) == TriggerType.occasion.value, col(Campaign.status).in_(ACTIVE))
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
    session: Session, occasion_id: int, *, settings: Settings, now: datetime | None = None
) -> OccasionPreview:
    now = now or utcnow()
    occasion = session.get(Occasion, occasion_id)
    if occasion is None:
        raise NotFound(f"occasion {occasion_id} not found / gün bulunamadı")
    member = session.get(Member, occasion.member_id)
    if member is None:  # pragma: no cover - a foreign key
        raise NotFound(f"member {occasion.member_id} not found")
    zone = zone_of(member.timezone, settings.timezone).key
    locale = member.locale if member.locale in LOCALES else "tr"
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
        notes.append("retired: nothing will be sent / emekliye ayrıldı: hiçbir şey gönderilmeyecek")
        return view()
    if is_paused(member, now):
        notes.append("the member paused promotions / üye kampanyaları durdurdu")
        return view()

    def links(channel: str) -> tuple[str, str]:
        return member_page_url(settings, member.id or 0, member.link_version), unsubscribe_url(
            settings, member.id or 0, channel
        )

    reminder = next_reminder(occasion, today)
    channel = choose_channel(member, PREFERRED)
    if reminder is not None and channel is None:
        notes.append("reminder: no consent on any channel / hatırlatma: hiçbir kanalda izin yok")
    elif reminder is not None and channel is not None:
        send_on, on = reminder
        sample = render_sample(
            occasion_purpose(occasion.kind, occasion.for_whom),
            locale,
            channel.value,
            occasion_values(occasion, on, locale),
            settings,
            member_name=name,
            links=links(channel.value),
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
        if session.execute(audience.where(col(Member.id) == member.id).limit(1)).first() is None:
            notes.append(
                f"campaign {campaign.id} ({campaign.name}): the member is not in its audience (consent, "
                f"filters, lapsed, feedback review) / üye bu kampanyanın kitlesinde değil"
            )
            continue
        start, expires = coupon_window(campaign, run, zone, settings.timezone)
        facts = CouponFacts(
            code=sample_code(),
            offer_kind=campaign.offer_kind,
            offer_value=campaign.offer_value,
            min_purchase=campaign.min_purchase,
            expires_on=last_day(expires, zone),
        )
        template, values = message_context(
            campaign, facts, locale=locale, holiday={}, occasion=occasion, occasion_on=on
        )
        if campaign.channel == CampaignChannel.preferred:
            chosen = choose_channel(member, PREFERRED)
            channels = [chosen.value] if chosen is not None else []
        else:
            channels = message_channels(campaign, member)
        for ch in channels:
            sample = render_sample(template, locale, ch, values, settings, member_name=name, links=links(ch))
            at = max(start, now)
            messages.append(_message(sample, send_on=send_on, send_at=at, zone=zone, campaign=campaign))
    return view()
