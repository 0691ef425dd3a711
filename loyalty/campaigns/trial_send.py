"""A campaign's trial (test) send: the real message, rendered by the run's own content builder, to
marketing's own phone or address through the configured channel, before anything goes to members.

A test is a ``messages`` row of category ``test`` with no member: it issues no coupon (the code is a sample),
is counted in no statistic and no frequency cap, and is delivered by the normal worker path (dispatch ->
claim -> channel adapter), which marks it as a test in what it sends (a "[DENEME]"/"[TEST]" prefix, and the
outbox records it as a test)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from loyalty.campaigns.content import CouponFacts, holiday_values, message_context, occasion_day, shop_copy
from loyalty.campaigns.lifecycle import get_campaign, next_run
from loyalty.campaigns.preview import SAMPLE_NAMES, sample_code
from loyalty.campaigns.schedule import new_run
from loyalty.campaigns.triggers.registry import trigger_of, upcoming_runs
from loyalty.core.clock import utcnow
from loyalty.core.errors import Conflict, Invalid
from loyalty.core.languages import DEFAULT_LANGUAGE, language_of
from loyalty.core.settings import Settings
from loyalty.core.zones import zone_of
from loyalty.members.validation import SUPPORTED_LOCALES, normalize_email, normalize_phone
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.campaigns import Campaign, CampaignRun, CampaignStatus
from loyalty.models.members import Channel
from loyalty.models.messages import Category, Message
from loyalty.models.occasions import Occasion, OccasionKind, OccasionStatus, Recurrence

TEST_LIFETIME = timedelta(hours=24)  # a test not sent within a day is stale
SAMPLE_PURPOSE = {"tr": "her yıl birlikte kutlamak", "en": "to celebrate together every year"}


def targets_for(campaign: Campaign, phone: str | None, email: str | None) -> list[tuple[Channel, str]]:
    """(channel, address) pairs the test goes to: the campaign's channel(s) the caller gave an address for.

    An SMS campaign needs a phone, an e-mail campaign an address; ``preferred`` and ``both`` send to each
    address given."""
    wanted = {
        "sms": [Channel.sms],
        "email": [Channel.email],
    }.get(str(campaign.channel), [Channel.sms, Channel.email])
    given: dict[Channel, str] = {}
    if phone is not None and phone.strip():
        given[Channel.sms] = normalize_phone(phone)
    if email is not None and email.strip():
        given[Channel.email] = normalize_email(email) or ""
    if not given:
        raise Invalid("phone", "campaigns.give_phone_mail_address_test")
    out = [(channel, given[channel]) for channel in wanted if channel in given]
    if not out:
        field = "phone" if Channel.sms in wanted else "email"
        raise Invalid(
            field,
            "campaigns.test_needs_phone" if field == "phone" else "campaigns.test_needs_email",
        )
    return out


def _run_for(session: Session, campaign: Campaign, now: datetime, zone_name: str) -> CampaignRun:
    run = next_run(session, campaign.id or 0)
    if run is None:
        planned = upcoming_runs(session, campaign, now=now, count=1, timezone_name=zone_name)
        run = planned[0] if planned else new_run(campaign, "test", now.astimezone(zone_of(zone_name)).date())
    return run


def sample_occasion(campaign: Campaign, locale: str, day: date) -> Occasion | None:
    """For an occasion campaign: a sample occasion of its first kind (and first ``for_whom``)."""
    if not trigger_of(campaign).per_occasion:
        return None
    kind = (campaign.occasion_kinds or ["birthday"])[0]
    return Occasion(
        member_id=0,
        kind=OccasionKind(kind),
        for_whom=(campaign.for_whom or ["self"])[0],
        purpose=SAMPLE_PURPOSE[language_of(locale)],
        month=day.month,
        day=day.day,
        recurrence=Recurrence.yearly,
        stated_by="sample",
        status=OccasionStatus.active,
    )


def sample_context(
    session: Session, campaign: Campaign, *, locale: str, settings: Settings, now: datetime
) -> tuple[str, dict[str, Any]]:
    """(template, values) of the test message: the run's builder with a sample code, sample member and
    sample occasion, complete enough to render without a member."""
    zone = zone_of(settings.timezone)
    run = _run_for(session, campaign, now, zone.key)
    day = occasion_day(campaign, run)
    facts = CouponFacts(
        code=sample_code(),
        offer_kind=campaign.offer_kind,
        offer_value=campaign.offer_value,
        min_purchase=campaign.min_purchase,
        expires_on=run.send_date + timedelta(days=campaign.valid_days),
    )
    occasion = sample_occasion(campaign, locale, day)
    template, values = message_context(
        campaign,
        facts,
        locale=locale,
        holiday=holiday_values(session, campaign, run),
        occasion=occasion,
        occasion_on=day if occasion is not None else None,
        shop_copy=shop_copy(session),
    )
    name = SAMPLE_NAMES.get(locale, SAMPLE_NAMES["tr"])
    values |= {"first_name": name.split()[0], "member_name": name, "test": True}
    return template, values


def send_test(
    session: Session,
    campaign_id: int,
    *,
    phone: str | None,
    email: str | None,
    locale: str | None,
    actor: str,
    settings: Settings,
    now: datetime | None = None,
) -> list[Message]:
    """Queue the campaign's message as a test to ``phone`` and/or ``email`` (one row per channel). Flushes;
    the worker's minute dispatch sends it like any message."""
    now = now or utcnow()
    campaign = get_campaign(session, campaign_id)
    if campaign.status in (CampaignStatus.cancelled, CampaignStatus.done):
        raise Conflict("campaigns.campaign_nothing_test", status=campaign.status)
    lang = (locale or settings.locale or DEFAULT_LANGUAGE).strip().lower()[:2]
    if lang not in SUPPORTED_LOCALES:
        raise Invalid("locale", "campaigns.locale_tr_en")
    targets = targets_for(campaign, phone, email)
    template, context = sample_context(session, campaign, locale=lang, settings=settings, now=now)
    rows = [
        MessageRow(
            member_id=None,
            channel=channel.value,
            requested_channel=channel.value,
            dedupe_key=f"test:{campaign_id}:{secrets.token_hex(8)}",
            purpose=template,
            category=Category.test,
            locale=lang,
            context=context | {"test_by": actor},
            campaign_id=campaign_id,
            to_address=address,
            not_before=now,
            expires_at=now + TEST_LIFETIME,
        )
        for channel, address in targets
    ]
    ids = queue(session, rows, now=now, detail=f"test send by {actor}")
    return [message for i in ids if (message := session.get(Message, i)) is not None]
