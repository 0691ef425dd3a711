"""A campaign's preview: the audience of its next run per channel and locale, a sample of each message as
members will read it (the run's own content builder, with a sample code), SMS encoding and segments, and
the estimated cost."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.campaigns.content import CouponFacts, holiday_values, message_context
from loyalty.campaigns.lifecycle import get_campaign, next_run
from loyalty.campaigns.running import run_audience
from loyalty.campaigns.schedule import local_send_instant, new_run, upcoming_runs
from loyalty.campaigns.schemas import CampaignPreview, CostEstimate, SampleMessage
from loyalty.core.db import utcnow
from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.coupons.codes import format_code, new_code
from loyalty.messaging.sms_encoding import sms_segments
from loyalty.messaging.templates import LOCALES, render_message

SAMPLE_NAMES = {"tr": "Ayşe Yılmaz", "en": "Emma Smith"}


def sample_code() -> str:
    return format_code(new_code())


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
    sub = run_audience(campaign, run, now).order_by(None).subquery()
    by_locale: dict[str, dict[str, int]] = {"sms": {}, "email": {}}
    for channel, locale, n in session.execute(
        sa.select(sub.c.channel, sub.c.locale, sa.func.count()).group_by(sub.c.channel, sub.c.locale)
    ):
        by_locale.setdefault(str(channel), {})[str(locale)] = int(n)
    audience = {ch: sum(v.values()) for ch, v in by_locale.items()}
    audience["total"] = sum(audience.values())

    channels = ["sms", "email"] if campaign.channel == "preferred" else [campaign.channel]
    expires_at = local_send_instant(run.send_date, run.send_time, zone) + timedelta(days=campaign.valid_days)
    facts = CouponFacts(
        code=sample_code(),
        offer_kind=campaign.offer_kind,
        offer_value=campaign.offer_value,
        min_purchase=campaign.min_purchase,
        expires_on=expires_at.astimezone(zone).date(),
    )
    holiday = holiday_values(session, campaign, run)
    samples: list[SampleMessage] = []
    segments_by_locale: dict[str, int] = {}
    for locale in LOCALES:
        template, values = message_context(campaign, facts, locale=locale, holiday=holiday)
        values |= {
            "first_name": SAMPLE_NAMES[locale].split()[0],
            "member_name": SAMPLE_NAMES[locale],
            "shop_name": settings.shop_name,
            "currency": settings.currency,
            "unsubscribe_url": f"{settings.public_base_url.rstrip('/')}/u/sample",
        }
        for channel in channels:
            rendered = render_message(template, locale, channel, values)
            sample = SampleMessage(
                locale=locale,
                channel=channel,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
            )
            if channel == "sms":
                info = sms_segments(rendered.text)
                sample.encoding, sample.segments, sample.length = info.encoding, info.segments, info.length
                sample.forced_by = info.offending or None
                segments_by_locale[locale] = info.segments
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
