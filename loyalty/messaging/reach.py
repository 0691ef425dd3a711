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


BOTH = "both"


def message_channel(member: Member, requested: str) -> str | None:
    """The channel a message asked for on ``requested`` is queued on, as the audience tells it:

    - ``sms`` / ``email``: that one (the send-time policy re-checks consent);
    - ``preferred``: the member's preferred channel if reachable there, else the other reachable one, else
      the preferred one (the send-time policy then drops it);
    - ``both``: ``both`` when reachable on each, else the one reachable, else None (nothing to send).

    :func:`message_channel_sql` is its SQL twin; :func:`channels_of` turns the answer into channels."""
    if requested == PREFERRED:
        chosen = choose_channel(member, PREFERRED)
        return (chosen or Channel(member.preferred_channel)).value
    if requested == BOTH:
        sms, email = reachable(member, Channel.sms), reachable(member, Channel.email)
        return BOTH if sms and email else Channel.sms.value if sms else Channel.email.value if email else None
    return Channel(requested).value


def message_channel_sql(requested: str) -> sa.ColumnElement[str | None]:
    """SQL twin of :func:`message_channel`, on ``members``."""
    sms, email = _sms_ok(), _email_ok()
    if requested == PREFERRED:
        prefers_sms = col(Member.preferred_channel) == Channel.sms.value
        return sa.case(
            (sa.and_(prefers_sms, sms), Channel.sms.value),
            (sa.and_(sa.not_(prefers_sms), email), Channel.email.value),
            (sms, Channel.sms.value),
            (email, Channel.email.value),
            else_=col(Member.preferred_channel),
        )
    if requested == BOTH:
        return sa.case(
            (sa.and_(sms, email), BOTH),
            (sms, Channel.sms.value),
            (email, Channel.email.value),
            else_=sa.null(),
        )
    return sa.literal(Channel(requested).value)


def requested_on(requested: str, channel: str) -> str:
    """What a message queued on ``channel`` records as asked for: for ``both`` its own channel (one message
    per channel, each re-checked on its own), else the campaign's request."""
    return channel if requested == BOTH else requested


def one_per_channel(requested: str) -> bool:
    """A request that queues one message per channel (``both``); else one message on whichever channel."""
    return requested == BOTH


def best_channel(member: Member) -> Channel | None:
    """The channel a ``preferred`` message would go on now (None: not reachable at all)."""
    return choose_channel(member, PREFERRED)


def channels_of(label: str | None) -> list[str]:
    """The channels a :func:`message_channel` answer stands for (``both``: SMS and e-mail)."""
    if label is None:
        return []
    return [Channel.sms.value, Channel.email.value] if label == BOTH else [label]
