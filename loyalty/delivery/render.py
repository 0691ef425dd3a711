"""Rendering a queued message for its channel: the stored context plus the member's name, the shop, the
currency, the SMS opt-out line, the member's page link and the unsubscribe link; the card PDF attached to a
welcome e-mail."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from loyalty.cards.pdf import card_view, render_card_pdf
from loyalty.core.errors import NotFound
from loyalty.core.settings import Settings
from loyalty.core.tokens import member_page_url, unsubscribe_url
from loyalty.messaging.adapter import Attachment, Outgoing
from loyalty.messaging.reach import EMAIL_CONFIRMATION
from loyalty.messaging.templates import render_message, shop_values
from loyalty.models.cards import Card
from loyalty.models.members import Channel, Member
from loyalty.models.messages import Message

log = logging.getLogger(__name__)


def revive_values(values: dict[str, Any]) -> dict[str, Any]:
    """JSON context -> template values: ``*_on`` keys become dates, ``*_amount`` keys Decimals."""
    out = dict(values)
    for key, value in values.items():
        if isinstance(value, str) and key.endswith("_on"):
            out[key] = date.fromisoformat(value)
        elif isinstance(value, str | int | float) and key.endswith("_amount"):
            out[key] = Decimal(str(value))
    return out


def render_outgoing(
    session: Session, message: Message, member: Member, channel: Channel, settings: Settings
) -> Outgoing:
    unsubscribe = unsubscribe_url(settings, member.id or 0, channel)
    values = (
        revive_values(message.context)
        | {
            "member_name": member.full_name,
            "first_name": member.full_name.split()[0] if member.full_name.split() else member.full_name,
            "unsubscribe_url": unsubscribe,
            "member_page_url": member_page_url(
                settings, member.id or 0, member.link_version, issued=message.created_at
            ),
        }
        | shop_values(settings, message.locale)
    )
    rendered = render_message(
        message.purpose, message.locale, channel.value, values, gsm7_only=settings.sms_gsm7_only
    )
    attachments: tuple[Attachment, ...] = ()
    if channel == Channel.email and message.card_id is not None:
        attachments = (card_attachment(session, message.card_id, settings),)
    to = member.phone if channel == Channel.sms else (member.email or "")
    if message.purpose == EMAIL_CONFIRMATION:
        to = str(message.context["confirm_address"])  # the new address: confirmed by this very e-mail
    return Outgoing(
        message_id=message.id or 0,
        channel=channel.value,
        to=to,
        text=rendered.text,
        subject=rendered.subject or "",
        html=rendered.html or "",
        attachments=attachments,
        unsubscribe_url=unsubscribe,
        first_claimed_at=message.first_claimed_at,
        check_provider_first=message.needs_reconcile,
    )


TEST_MARK = {"tr": "[DENEME]", "en": "[TEST]"}


def render_test(message: Message, settings: Settings) -> Outgoing:
    """A campaign's test send: the stored sample context to the stored address, marked as a test in the
    text and subject (and in ``meta`` for the channel)."""
    mark = TEST_MARK["en" if message.locale.startswith("en") else "tr"]
    base = settings.public_base_url.rstrip("/")
    sample_link = f"{base}/u/sample"
    values = (
        revive_values(message.context)
        | {"unsubscribe_url": sample_link, "member_page_url": f"{base}/m/sample"}
        | shop_values(settings, message.locale)
    )
    rendered = render_message(
        message.purpose, message.locale, message.channel, values, gsm7_only=settings.sms_gsm7_only
    )
    return Outgoing(
        message_id=message.id or 0,
        channel=str(message.channel),
        to=message.to_address or "",
        text=f"{mark} {rendered.text}",
        subject=f"{mark} {rendered.subject or ''}".strip(),
        html=rendered.html or "",
        unsubscribe_url=sample_link,
        first_claimed_at=message.first_claimed_at,
        check_provider_first=message.needs_reconcile,
        meta={"test": "true"},
    )


def card_attachment(session: Session, card_id: int, settings: Settings) -> Attachment:
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound(f"card {card_id} not found")
    pdf = render_card_pdf(card_view(card, settings.shop_name))
    return Attachment(f"card-{card.number}.pdf", "application/pdf", pdf)
