"""A campaign's preview: the audience of its next run per channel and locale, a sample of each message as
members will read it (the run's own content builder, with a sample code; an occasion campaign with a sample
occasion of its kind, so marketing reads the occasion text, not a generic holiday one), SMS encoding and
segments (full Turkish letters cost UCS-2; LOYALTY_SMS_GSM7_ONLY folds them), and the estimated cost."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.campaigns.content import CouponFacts, holiday_values, last_day, message_context, occasion_day
from loyalty.campaigns.lifecycle import get_campaign, next_run
from loyalty.campaigns.running import coupon_window, run_audience
from loyalty.campaigns.schedule import local_send_instant, new_run, upcoming_runs
from loyalty.campaigns.schemas import CampaignPreview, CostEstimate, SampleMessage
from loyalty.core.db import utcnow
from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.coupons.codes import format_code, new_code
from loyalty.messaging.sms_encoding import sms_segments
from loyalty.messaging.templates import LOCALES, render_message, shop_values
from loyalty.models.campaigns import Campaign, TriggerType
from loyalty.models.occasions import Occasion, OccasionKind, Recurrence

SAMPLE_NAMES = {"tr": "Ayşe Yılmaz", "en": "Emma Smith"}


SAMPLE_PURPOSE = {"tr": "çikolatalı pastayı çok sever", "en": "loves chocolate cake"}


def sample_code() -> str:
    return format_code(new_code())


def sample_occasion(campaign: Campaign, locale: str, on: date) -> Occasion:
    """An occasion of the campaign's first kind (and first ``for_whom``, else the member's own) on ``on``."""
    kind = (campaign.occasion_kinds or ["birthday"])[0]
    for_whom = (campaign.for_whom or ["self"])[0]
    return Occasion(
        member_id=0,
        kind=OccasionKind(kind) if kind in OccasionKind.__members__ else OccasionKind.custom,
        for_whom=for_whom,
        relation_name=None if for_whom == "self" else "Elif",
        purpose=SAMPLE_PURPOSE.get(locale, SAMPLE_PURPOSE["tr"]),
        month=on.month,
        day=on.day,
        recurrence=Recurrence.yearly,
        stated_by="sample",
    )


def render_sample(
    template: str,
    locale: str,
    channel: str,
    values: dict[str, Any],
    settings: Settings,
    *,
    member_name: str,
    links: tuple[str, str] | None = None,
) -> SampleMessage:
    """One message as the member reads it (the sender's own values: shop, opt-out line, links), with the SMS
    encoding, segments and the characters that forced UCS-2. ``links``: (member page, unsubscribe)."""
    base = settings.public_base_url.rstrip("/")
    page, unsubscribe = links or (f"{base}/m/sample", f"{base}/u/sample")
    values = (
        values
        | shop_values(settings, locale)
        | {
            "first_name": member_name.split()[0] if member_name.split() else member_name,
            "member_name": member_name,
            "unsubscribe_url": unsubscribe,
            "member_page_url": page,
        }
    )
    rendered = render_message(template, locale, channel, values, gsm7_only=settings.sms_gsm7_only)
    sample = SampleMessage(
        locale=locale, channel=channel, subject=rendered.subject, text=rendered.text, html=rendered.html
    )
    if channel == "sms":
        info = sms_segments(rendered.text)
        sample.encoding, sample.segments, sample.length = info.encoding, info.segments, info.length
        sample.forced_by = info.offending or None
    return sample


def preview_campaign(
    session: Session, campaign_id: int, *, settings: Settings, now: datetime | None = None
) -> CampaignPreview:
    """Audience per channel for the next run, a sample message per locale and channel (with the SMS
    encoding and segments), and the estimated cost: SMS segments x price + e-mails x price."""
    now = now or utcnow()
    zone = zone_of(settings.timezone)
    campaign = get_campaign(session, campaign_id)
    run = next_run(session, campaign_id)
    if run is None:
        planned = upcoming_runs(session, campaign, now=now, count=1, timezone_name=zone.key)
        run = planned[0] if planned else new_run(campaign, "preview", now.astimezone(zone).date())
    sub = run_audience(campaign, run, now, lapsed_days=settings.lapsed_days).order_by(None).subquery()
    by_locale: dict[str, dict[str, int]] = {"sms": {}, "email": {}}
    members = 0
    for channel, locale, n in session.execute(
        sa.select(sub.c.channel, sub.c.locale, sa.func.count()).group_by(sub.c.channel, sub.c.locale)
    ):
        members += int(n)
        for each in ("sms", "email") if channel == "both" else (str(channel),):  # both: one of each
            per = by_locale.setdefault(each, {})
            per[str(locale)] = per.get(str(locale), 0) + int(n)
    audience = {ch: sum(v.values()) for ch, v in by_locale.items()}
    audience["total"] = members

    channels = ["sms", "email"] if campaign.channel in ("preferred", "both") else [str(campaign.channel)]
    _start, expires_at = coupon_window(campaign, run, zone.key, zone.key)
    facts = CouponFacts(
        code=sample_code(),
        offer_kind=campaign.offer_kind,
        offer_value=campaign.offer_value,
        min_purchase=campaign.min_purchase,
        expires_on=last_day(expires_at, zone.key),
    )
    holiday = holiday_values(session, campaign, run)
    day = occasion_day(campaign, run)
    samples: list[SampleMessage] = []
    segments_by_locale: dict[str, int] = {}
    for locale in LOCALES:
        occasion = (
            sample_occasion(campaign, locale, day) if campaign.trigger_type == TriggerType.occasion else None
        )
        template, values = message_context(
            campaign, facts, locale=locale, holiday=holiday, occasion=occasion, occasion_on=day
        )
        for channel in channels:
            sample = render_sample(
                template, locale, channel, values, settings, member_name=SAMPLE_NAMES[locale]
            )
            if sample.segments is not None:
                segments_by_locale[locale] = sample.segments
            samples.append(sample)

    sms_segments_total = sum(
        n * segments_by_locale.get(loc if loc in LOCALES else "tr", 1)
        for loc, n in by_locale.get("sms", {}).items()
    )
    sms_cost = (settings.sms_price_per_segment * sms_segments_total).quantize(Decimal("0.01"))
    email_cost = (settings.email_price * audience.get("email", 0)).quantize(Decimal("0.01"))
    return CampaignPreview(
        campaign_id=campaign_id,
        run_key=run.run_key,
        scheduled_for=local_send_instant(run.send_date, run.send_time, zone),
        audience=audience,
        audience_by_locale=by_locale,
        samples=samples,
        estimated_cost=CostEstimate(
            sms_messages=audience.get("sms", 0),
            sms_segments=sms_segments_total,
            emails=audience.get("email", 0),
            sms_cost=sms_cost,
            email_cost=email_cost,
            total=sms_cost + email_cost,
            currency=settings.currency,
        ),
    )
