"""Rendering a queued message for its channel: the stored context plus the member's name, the shop, the
currency, the SMS opt-out line, the member's page link and the unsubscribe link; the card PDF attached to a
welcome e-mail."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.cards.pdf import card_view, render_card_pdf
from loyalty.core.errors import NotFound
from loyalty.core.languages import language_of
from loyalty.core.settings import Settings
from loyalty.core.tokens import unsubscribe_url
from loyalty.members.links import SAMPLE_KEY, page_link_key, page_link_keys, page_url
from loyalty.messaging.adapter import Attachment, Outgoing
from loyalty.messaging.reach import EMAIL_CONFIRMATION
from loyalty.messaging.routes import iys_filter, kind_of, opt_out_line, sms_as_sent
from loyalty.messaging.templates import render_message, shop_values
from loyalty.models.cards import Card
from loyalty.models.members import Channel, ConsentEvent, Member, RecipientType
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


@dataclass
class Known:
    """What a batch looked up for all its messages at once, for ``render_outgoing`` (which asks the
    database itself for what is missing): the page link keys by (member id, day the message was made),
    and İYS's recipient type by member id."""

    link_keys: dict[tuple[int, date], str] = field(default_factory=dict)
    recipient_types: dict[int, str] = field(default_factory=dict)


def look_up(session: Session, pairs: list[tuple[Message, Member]], settings: Settings) -> Known:
    """``Known`` for the (message, member) pairs a batch may send: three statements, not three a message."""
    wanted = [(member, message.created_at) for message, member in pairs]
    return Known(
        page_link_keys(session, wanted, days=settings.member_link_days),
        sms_recipient_types(session, sorted({member.id or 0 for _, member in pairs})),
    )


def render_outgoing(
    session: Session,
    message: Message,
    member: Member,
    channel: Channel,
    settings: Settings,
    known: Known | None = None,
) -> Outgoing:
    known = known or Known()
    link_key = known.link_keys.get((member.id or 0, message.created_at.date())) or page_link_key(
        session, member, issued=message.created_at, days=settings.member_link_days
    )
    # the e-mail's one-click unsubscribe link (its footer, List-Unsubscribe); an SMS says how to opt out
    # by reply (``opt_out``) and names no link: no token is signed for it
    unsubscribe = unsubscribe_url(settings, member.id or 0, channel) if channel == Channel.email else ""
    values = (
        revive_values(message.context)
        | {
            "member_name": member.full_name,
            "first_name": member.full_name.split()[0] if member.full_name.split() else member.full_name,
            # the day's short key: the same at every attempt of this message
            "member_page_url": page_url(settings.public_base_url, link_key),
        }
        | shop_values(settings, message.locale)
    )
    if unsubscribe:
        values["unsubscribe_url"] = unsubscribe
    if message.card_id is not None and settings.apple_pass_configured:  # the welcome: the card for Wallet
        values["apple_wallet_url"] = f"{values['member_page_url']}/card.pkpass"
    kind = kind_of(message.purpose, message.category)
    meta: dict[str, str] = {"kind": kind.value}
    if channel == Channel.sms:
        values["opt_out"] = opt_out_line(settings, message.locale, member.phone)
        recipient_type = known.recipient_types.get(member.id or 0) or sms_recipient_type(
            session, member.id or 0
        )
        meta |= {"recipient_type": recipient_type, "iysfilter": iys_filter(kind, recipient_type)}
    rendered = render_message(
        message.purpose, message.locale, channel.value, values, gsm7_only=settings.sms_gsm7_only
    )
    text = rendered.text
    if channel == Channel.sms:
        text = sms_as_sent(text, settings, message.locale, kind)
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
        text=text,
        subject=rendered.subject or "",
        html=rendered.html or "",
        attachments=attachments,
        unsubscribe_url=unsubscribe,
        first_claimed_at=message.first_claimed_at,
        check_provider_first=message.needs_reconcile,
        meta=meta,
        variable_parts=variable_parts(message, values),
    )


def variable_parts(message: Message, values: dict[str, Any]) -> tuple[str, ...]:
    """What a campaign run made again after a restore words differently from the lost message: the
    coupon's code (the lost coupon is gone, a new one is issued) and the day's page link."""
    if not message.needs_reconcile or message.run_id is None:
        return ()
    return tuple(str(values[key]) for key in ("coupon_code", "member_page_url") if values.get(key))


def sms_recipient_type(session: Session, member_id: int) -> str:
    """İYS's recipient type of the member's newest SMS consent (BIREYSEL when none)."""
    return sms_recipient_types(session, [member_id])[member_id]


def sms_recipient_types(session: Session, member_ids: list[int]) -> dict[int, str]:
    """``sms_recipient_type`` for many members in one statement."""
    types = dict.fromkeys(member_ids, str(RecipientType.BIREYSEL))
    newest = (
        select(sa.func.max(ConsentEvent.id))
        .where(col(ConsentEvent.member_id).in_(member_ids), ConsentEvent.channel == Channel.sms)
        .group_by(col(ConsentEvent.member_id))
    )
    found = session.exec(
        select(ConsentEvent.member_id, ConsentEvent.recipient_type).where(col(ConsentEvent.id).in_(newest))
    )
    for member_id, recipient_type in found:
        types[member_id] = str(recipient_type or RecipientType.BIREYSEL)
    return types


TEST_MARK = {"tr": "[DENEME]", "en": "[TEST]"}


def render_test(message: Message, settings: Settings) -> Outgoing:
    """A campaign's test send: the stored sample context to the stored address, marked as a test in the
    text and subject (and in ``meta`` for the channel)."""
    mark = TEST_MARK[language_of(message.locale)]
    base = settings.public_base_url.rstrip("/")
    sample_link = f"{base}/u/sample"
    values = (
        revive_values(message.context)
        | {"unsubscribe_url": sample_link, "member_page_url": page_url(base, SAMPLE_KEY)}
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
        meta={"test": "true", "kind": "commercial", "iysfilter": "11", "recipient_type": "BIREYSEL"},
    )


def card_attachment(session: Session, card_id: int, settings: Settings) -> Attachment:
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound("common.card_not_found", card_id=card_id)
    pdf = render_card_pdf(card_view(card, settings.shop_name))
    return Attachment(f"card-{card.number}.pdf", "application/pdf", pdf)
