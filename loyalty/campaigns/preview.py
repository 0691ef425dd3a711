"""A campaign's preview: the audience of its next run per channel and locale, a sample of each message as
members will read it (the run's own content builder, with a sample code; an occasion campaign with a sample
occasion of its kind, so marketing reads the occasion text, not a generic holiday one), SMS encoding and
segments (full Turkish letters cost UCS-2; LOYALTY_SMS_GSM7_ONLY folds them), and the estimated cost."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from loyalty.campaigns.content import (
    CouponFacts,
    coupon_last_day,
    holiday_values,
    message_context,
    occasion_day,
    shop_copy,
)
from loyalty.campaigns.lifecycle import get_campaign, next_run
from loyalty.campaigns.running import coupon_window, run_audience
from loyalty.campaigns.schedule import local_send_instant, new_run
from loyalty.campaigns.schemas import CampaignPreview, CopyIn, CostEstimate, RouteParts, SampleMessage
from loyalty.campaigns.triggers.registry import trigger_named, trigger_of, upcoming_runs
from loyalty.core.clock import utcnow
from loyalty.core.languages import language_of
from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.coupons.codes import format_code, new_code
from loyalty.members.links import SAMPLE_KEY, page_url
from loyalty.messaging.copy import COPY_PURPOSE, check_copy
from loyalty.messaging.reach import channels_of
from loyalty.messaging.routes import (
    SAMPLE_NUMBERS,
    TURKEY,
    cost_on_route,
    kind_of,
    opt_out_line,
    parse_routes,
    sms_as_sent,
)
from loyalty.messaging.templates import LOCALES, render_message, shop_values
from loyalty.models.campaigns import Campaign
from loyalty.models.members import Member
from loyalty.models.messages import Category
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
    number: str | None = None,
) -> SampleMessage:
    """One message as the member reads it (the sender's own values: shop, links), with the SMS encoding,
    segments and the characters that forced UCS-2. ``links``: (member page, unsubscribe).

    An SMS is rendered as it goes on the route ``number`` takes (that route's opt-out line, identity line,
    encoding and price); with no number, once per kind of destination (a Turkish number, another one), the
    Turkish one first."""
    base = settings.public_base_url.rstrip("/")
    page, unsubscribe = links or (page_url(base, SAMPLE_KEY), f"{base}/u/sample")
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
    if channel != "sms":
        rendered = render_message(template, locale, channel, values, gsm7_only=settings.sms_gsm7_only)
        return SampleMessage(
            locale=locale, channel=channel, subject=rendered.subject, text=rendered.text, html=rendered.html
        )
    kind = kind_of(template, Category.promotional)
    parts: list[RouteParts] = []
    for each in [number] if number else list(SAMPLE_NUMBERS.values()):
        with_line = values | {"opt_out": opt_out_line(settings, locale, each)}
        text = render_message(template, locale, "sms", with_line, gsm7_only=settings.sms_gsm7_only).text
        text = sms_as_sent(text, settings, locale, kind)
        route = cost_on_route(text, settings, each)
        parts.append(
            RouteParts(
                route=route.destination,
                backend=route.backend,
                encoding=route.info.encoding,
                segments=route.info.segments,
                length=route.info.length,
                cost=route.cost,
                text=text,
                forced_by=route.info.offending or None,
            )
        )
    first = parts[0]
    return SampleMessage(
        locale=locale,
        channel=channel,
        text=first.text,
        encoding=first.encoding,
        segments=first.segments,
        length=first.length,
        forced_by=first.forced_by,
        parts=parts,
    )


def _route_number(prefix: str, turkish: bool) -> str:
    """A number on the route of ``prefix`` ("*": none of the others) that is Turkish or not."""
    return (prefix if prefix != "*" else TURKEY if turkish else "+0").ljust(13, "0")


def _sms_audience_by_route(
    session: Session, audience: sa.Subquery, settings: Settings
) -> list[tuple[str, str, int]]:
    """(language, a number on the same route and destination, members) of an audience's SMS members:
    each member's number takes its own route (LOYALTY_SMS_ROUTES, longest prefix first)."""
    prefixes = [r.prefix for r in parse_routes(settings.sms_routes) if r.prefix != "*"]
    phone = col(Member.phone)
    matches = [phone.startswith(p).label(f"r{i}") for i, p in enumerate(prefixes)]
    turkish = phone.startswith(TURKEY).label("turkish")
    rows = session.execute(
        sa.select(audience.c.channel, audience.c.locale, turkish, *matches, sa.func.count())
        .join(Member, col(Member.id) == audience.c.member_id)
        .group_by(audience.c.channel, audience.c.locale, turkish, *matches)
    ).all()
    counts: dict[tuple[str, str], int] = {}
    for channel, locale, is_turkish, *matched, n in rows:
        if "sms" not in channels_of(channel):
            continue
        prefix = next((p for p, hit in zip(prefixes, matched, strict=True) if hit), "*")
        key = (language_of(str(locale)), _route_number(prefix, bool(is_turkish)))
        counts[key] = counts.get(key, 0) + int(n)
    return [(locale, number, n) for (locale, number), n in sorted(counts.items())]


COPY_SAMPLE_DAYS = 3  # a sample holiday or occasion three days after the send, for the live preview


def preview_copy(data: CopyIn, settings: Settings, *, today: date) -> SampleMessage:
    """Marketing's text as they type it, rendered as a member reads it (sample name, code, dates, shop's
    additions) with its parts and cost per route; 422 naming an unknown placeholder or a missing {kod}."""
    part = "sms" if data.channel == "sms" else "email"
    written = {part: data.text} | ({"subject": data.subject} if data.subject and part == "email" else {})
    check_copy({data.locale: written}, field="text")
    day = today + timedelta(days=COPY_SAMPLE_DAYS)
    values: dict[str, Any] = {
        "coupon_code": sample_code(),
        "offer_kind": "percent",
        "offer_value": "15",
        "expires_on": (day + timedelta(days=2)).isoformat(),
        **{f"copy_{name}": text for name, text in written.items()},
    }
    trigger = trigger_named(data.trigger)
    if trigger.per_occasion:
        values |= {
            "kind": "birthday",
            "for_whom": "daughter",
            "relation_name": "Elif",
            "occasion_on": day.isoformat(),
            "days_before": COPY_SAMPLE_DAYS,
            "purpose": "çikolatalı pasta sever" if data.locale == "tr" else "she loves chocolate cake",
        }
    elif trigger.names_holiday:
        values["holiday_on"] = day.isoformat()
    return render_sample(
        COPY_PURPOSE, data.locale, data.channel, values, settings, member_name=SAMPLE_NAMES[data.locale]
    )


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
        for each in channels_of(channel):  # both: one of each
            per = by_locale.setdefault(each, {})
            per[str(locale)] = per.get(str(locale), 0) + int(n)
    audience = {ch: sum(v.values()) for ch, v in by_locale.items()}
    audience["total"] = members

    channels = ["sms", "email"] if campaign.channel in ("preferred", "both") else [str(campaign.channel)]
    start, _expires_at = coupon_window(campaign, run, zone.key, zone.key)
    facts = CouponFacts(
        code=sample_code(),
        offer_kind=campaign.offer_kind,
        offer_value=campaign.offer_value,
        min_purchase=campaign.min_purchase,
        expires_on=coupon_last_day(start, campaign.valid_days, zone.key),
    )
    holiday = holiday_values(session, campaign, run)
    day = occasion_day(campaign, run)
    samples: list[SampleMessage] = []
    contexts: dict[str, tuple[str, dict[str, Any]]] = {}
    for locale in LOCALES:
        occasion = sample_occasion(campaign, locale, day) if trigger_of(campaign).per_occasion else None
        template, values = message_context(
            campaign,
            facts,
            locale=locale,
            holiday=holiday,
            occasion=occasion,
            occasion_on=day,
            shop_copy=shop_copy(session),
        )
        contexts[locale] = (template, values)
        for channel in channels:
            samples.append(
                render_sample(template, locale, channel, values, settings, member_name=SAMPLE_NAMES[locale])
            )

    sms_segments_total, sms_cost = 0, Decimal("0.00")
    for locale, number, n in _sms_audience_by_route(session, sub, settings) if "sms" in channels else ():
        template, values = contexts.get(locale) or contexts[LOCALES[0]]
        on_route = render_sample(
            template, locale, "sms", values, settings, member_name=SAMPLE_NAMES[locale], number=number
        ).parts[0]
        sms_segments_total += n * on_route.segments
        sms_cost += n * on_route.cost
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
