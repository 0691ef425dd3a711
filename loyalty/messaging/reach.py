"""Reach: who may be sent what, now. Each rule in Python (for one member at send time) with its SQL twin
beside it (for set-based audiences and reminder queries), so the two can never drift apart.

- paused: a member who paused promotions (open-ended, or until ``paused_until``) gets no promotional message;
- reachable: opted in on the channel (the consent ledger's cache on the member row) with a usable address;
- preferred: the member's preferred channel if reachable there, else the other one.

It sits in messaging, below every producer (cards, occasions, campaigns) that resolves a channel when it
queues, and the send-time policy (delivery) that re-checks it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from loyalty.models.members import Channel, Member

PREFERRED = "preferred"


# Replies to the member's own SMS (the confirmation of an opt-out): they go to the number that wrote, once,
# at once, whatever its consent (it was just withdrawn) and whatever the hour.
OPT_OUT_REPLY = "sms_opt_out_confirmation"
REPLY_PURPOSES = frozenset({OPT_OUT_REPLY})
# The confirmation of a new e-mail address goes to that address (not yet the member's, no consent yet):
# the member asked for it on their own page; nothing else is ever sent to an unconfirmed address.
EMAIL_CONFIRMATION = "email_confirmation"


def reply_reachable(member: Member) -> bool:
    return bool(member.phone_valid and member.phone)


def is_paused(member: Member, now: datetime) -> bool:
    return bool(member.paused) and (member.paused_until is None or member.paused_until > now)


def paused_now(now: datetime) -> sa.ColumnElement[bool]:
    """SQL twin of :func:`is_paused`, on ``members``."""
    return sa.and_(
        col(Member.paused).is_(True),
        sa.or_(col(Member.paused_until).is_(None), col(Member.paused_until) > now),
    )


def _sms_ok() -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Member.sms_opt_in).is_(True), col(Member.phone_valid).is_(True), col(Member.phone) != ""
    )


def _email_ok() -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Member.email_opt_in).is_(True), col(Member.email).is_not(None), col(Member.email) != ""
    )


def reachable(member: Member, channel: Channel | str) -> bool:
    """Opted in on the channel and with a usable address for it."""
    if channel == Channel.sms:
        return bool(member.sms_opt_in and member.phone_valid and member.phone)
    return bool(member.email_opt_in and member.email)


def reachable_on(channel: str) -> sa.ColumnElement[bool]:
    if channel == Channel.sms:
        return _sms_ok()
    if channel == Channel.email:
        return _email_ok()
    return sa.or_(_sms_ok(), _email_ok())


def choose_channel(member: Member, requested: str) -> Channel | None:
    """The channel to use now: the requested one if reachable; for ``preferred`` the member's preferred
    channel, else the other opted-in one; None when the member cannot be reached."""
    if requested != PREFERRED:
        return Channel(requested) if reachable(member, requested) else None
    first = Channel(member.preferred_channel)
    second = Channel.email if first == Channel.sms else Channel.sms
    for channel in (first, second):
        if reachable(member, channel):
            return channel
    return None


def resolved_channel() -> sa.ColumnElement[str]:
    """For ``preferred``: the member's preferred channel if reachable there, else the other one."""
    sms, email = _sms_ok(), _email_ok()
    prefers_sms = col(Member.preferred_channel) == Channel.sms.value
    return sa.case(
        (sa.and_(prefers_sms, sms), "sms"),
        (sa.and_(sa.not_(prefers_sms), email), "email"),
        (sms, "sms"),
        else_="email",
    )


def both_label() -> sa.ColumnElement[str]:
    """For ``both``: "both" when reachable on each channel, else the one it is reachable on."""
    sms, email = _sms_ok(), _email_ok()
    return sa.case((sa.and_(sms, email), "both"), (sms, "sms"), else_="email")
