"""Outbound messages: one row per (channel, dedupe key), claimed before the provider call, final after it.

Life of a message::

    queued --claim (UPDATE ... WHERE state='queued')--> sending --provider ok--> sent --callback--> delivered
       ^  \\--policy: quiet hours / cap -> stays queued with a later not_before        \\--> failed
       |   \\-policy: paused / retired / no consent / expired -> cancelled
       +-- transient error (retry later) or an expired lease (worker died; reconcile with the provider first)

Every change of state appends a ``message_events`` row. The dedupe keys are ``coupon:<id>`` (a campaign
message), ``welcome:<card id>`` and ``occasion:<id>:<date>`` (a reminder), so queueing twice is harmless.

Exactly once: a message is claimed in its own committed transaction before the provider is called and
gets its final state in another one after. A worker that dies between the two leaves it in ``sending``
with a lease; the dispatcher returns it to ``queued`` with ``needs_reconcile`` set, and the next attempt
first asks the channel whether the provider already accepted it (Twilio: the account's message list for
that number since the first claim, plus the status callback that carries our message id; outbox: the file
exists). Channels that cannot answer (SMTP) resend, so e-mail is at-least-once in that crash window, with a
stable Message-ID so a receiving system can drop the copy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, select

from loyalty import jobs
from loyalty.db import UTCDateTime, is_postgres, utcnow
from loyalty.errors import NotFound
from loyalty.members import Channel, Member
from loyalty.settings import Settings

log = logging.getLogger(__name__)

SEND_TASK = "workers.send_message"


class MessageState(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    failed = "failed"
    cancelled = "cancelled"


class Category(StrEnum):
    promotional = "promotional"
    transactional = "transactional"


# forward-only order for provider callbacks; the three terminal states share the top rank
RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "failed": 3, "cancelled": 3}
TERMINAL = {MessageState.delivered, MessageState.failed, MessageState.cancelled}


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("channel", "dedupe_key"),
        sa.Index("ix_messages_state_not_before", "state", "not_before"),
        sa.Index("ix_messages_member_category_claimed", "member_id", "category", "claimed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    channel: Channel = Field(sa_type=sa.String(8))  # the channel it goes (or went) out on
    requested_channel: str = Field(max_length=16)  # sms, email or preferred
    dedupe_key: str = Field(max_length=120)
    purpose: str = Field(max_length=40)  # the template: card_welcome, birthday_self, holiday_coupon, ...
    category: Category = Field(sa_type=sa.String(16))
    locale: str = Field(default="tr", max_length=8)
    context: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)  # primitive template values
    campaign_id: int | None = Field(default=None, index=True)
    run_id: int | None = Field(default=None, index=True)
    coupon_id: int | None = Field(default=None, index=True)
    occasion_id: int | None = Field(default=None, index=True)
    card_id: int | None = Field(default=None)
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    state: MessageState = Field(default=MessageState.queued, sa_type=sa.String(16))
    attempts: int = 0
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    needs_reconcile: bool = False  # a previous attempt may have reached the provider
    to_address: str | None = Field(default=None, max_length=254)
    provider_id: str | None = Field(default=None, max_length=80, index=True)
    provider_status: str | None = Field(default=None, max_length=32)
    error_code: str | None = Field(default=None, max_length=16)
    error_message: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MessageEvent(SQLModel, table=True):
    """Status history: one row per change of a message's state (or provider status)."""

    __tablename__ = "message_events"
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="messages.id", ondelete="CASCADE", index=True)
    state: str = Field(max_length=16)
    detail: str = Field(default="", max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


MESSAGES: sa.Table = Message.__table__  # type: ignore[attr-defined]
EVENTS: sa.Table = MessageEvent.__table__  # type: ignore[attr-defined]
M = MESSAGES.c


class MessagePublic(SQLModel):
    id: int
    member_id: int
    channel: str
    purpose: str
    state: str
    not_before: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    error_code: str | None


# ---- errors raised by channel adapters --------------------------------------------------------------


class SendError(Exception):
    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientSendError(SendError):
    """Try again later: 5xx, 429 (``retry_after`` seconds from Retry-After), timeouts, SMTP 4xx, dropped
    connections. ``uncertain`` when the provider may have accepted the message (a read timeout)."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        uncertain: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
        self.uncertain = uncertain


class PermanentSendError(SendError):
    """Never retried. ``effect``: "invalid_phone" (Twilio 21211) or "opted_out" (Twilio 21610)."""

    def __init__(self, message: str, *, code: str | None = None, effect: str | None = None) -> None:
        super().__init__(message, code=code)
        self.effect = effect


# ---- what a channel adapter receives ----------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """Everything an adapter needs, as primitives (adapters never see ORM objects)."""

    message_id: int
    channel: str
    to: str
    text: str
    subject: str = ""
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    unsubscribe_url: str = ""
    first_claimed_at: datetime | None = None
    check_provider_first: bool = False
    meta: dict[str, str] = field(default_factory=dict)


# ---- queueing ---------------------------------------------------------------------------------------


@dataclass
class NewMessage:
    member_id: int
    requested_channel: str  # sms | email | preferred
    dedupe_key: str
    purpose: str
    category: Category
    locale: str = "tr"
    context: dict[str, Any] = field(default_factory=dict)
    not_before: datetime | None = None
    expires_at: datetime | None = None
    campaign_id: int | None = None
    run_id: int | None = None
    coupon_id: int | None = None
    occasion_id: int | None = None
    card_id: int | None = None


COPY_FROM = 200  # rows: from here on PostgreSQL stages with COPY (a multi-row INSERT is parsed per batch)


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT INTO messages ... ON CONFLICT DO NOTHING RETURNING id: the ids of rows that were new."""
    if not rows:
        return []
    if is_postgres(session) and len(rows) >= COPY_FROM:
        return _copy_insert(session, rows)
    dialect = postgresql if is_postgres(session) else sqlite
    stmt = dialect.insert(MESSAGES).on_conflict_do_nothing().returning(MESSAGES.c.id)
    return [row[0] for row in session.execute(stmt, rows)]


def _copy_insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """PostgreSQL, many rows: COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO
    NOTHING RETURNING id, in (channel, dedupe_key) order so two workers queueing the same rows cannot
    deadlock."""
    from psycopg.types.json import Json

    names = list(rows[0])
    columns = ", ".join(names)
    connection = session.connection()
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE message_stage ON COMMIT DROP AS SELECT {columns} FROM messages WITH NO DATA"
    )
    driver: Any = connection.connection.driver_connection  # psycopg.Connection, same transaction
    with driver.cursor() as cursor, cursor.copy(f"COPY message_stage ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([Json(v) if isinstance(v, dict) else v for v in (row[name] for name in names)])
    ids = connection.exec_driver_sql(
        f"INSERT INTO messages ({columns}) SELECT {columns} FROM message_stage ORDER BY channel, dedupe_key "
        "ON CONFLICT DO NOTHING RETURNING id"
    ).scalars()
    new_ids = [int(i) for i in ids]
    connection.exec_driver_sql("DROP TABLE message_stage")
    return new_ids


def _events(
    session: Session, ids: Iterable[int], state: str, detail: str = "", at: datetime | None = None
) -> None:
    at = at or utcnow()
    ids = list(ids)
    if not ids:
        return
    if is_postgres(session) and len(ids) >= COPY_FROM:  # one statement, the ids as an array
        session.execute(
            sa.text(
                "INSERT INTO message_events (message_id, state, detail, at) "
                "SELECT unnest(CAST(:ids AS integer[])), :state, :detail, :at"
            ).bindparams(sa.bindparam("at", type_=UTCDateTime())),
            {"ids": ids, "state": state, "detail": detail[:500], "at": at},
        )
        return
    session.execute(
        sa.insert(EVENTS), [{"message_id": i, "state": state, "detail": detail[:500], "at": at} for i in ids]
    )


def queue_messages(session: Session, new: Sequence[NewMessage], *, now: datetime | None = None) -> list[int]:
    """Insert messages (set-based, idempotent on (channel, dedupe_key)); returns the ids newly queued.

    ``preferred`` is resolved to a channel now (the policy may still switch it at send time)."""
    from loyalty.policy import PREFERRED, choose_channel

    now = now or utcnow()
    member_ids = {m.member_id for m in new if m.requested_channel == PREFERRED}
    members: dict[int, Member] = {}
    for chunk in _chunks(sorted(member_ids), 1000):
        for found in session.exec(select(Member).where(Member.id.in_(chunk))):  # type: ignore[union-attr]
            members[found.id or 0] = found
    rows = []
    for m in new:
        if m.requested_channel == PREFERRED:
            who = members.get(m.member_id)
            chosen = choose_channel(who, PREFERRED) if who else None
            channel = chosen or (Channel(who.preferred_channel) if who else Channel.sms)
        else:
            channel = Channel(m.requested_channel)
        rows.append(
            {
                "member_id": m.member_id,
                "channel": channel.value,
                "requested_channel": m.requested_channel,
                "dedupe_key": m.dedupe_key,
                "purpose": m.purpose,
                "category": m.category.value,
                "locale": m.locale,
                "context": m.context,
                "campaign_id": m.campaign_id,
                "run_id": m.run_id,
                "coupon_id": m.coupon_id,
                "occasion_id": m.occasion_id,
                "card_id": m.card_id,
                "not_before": m.not_before or now,
                "expires_at": m.expires_at,
                "state": MessageState.queued.value,
                "attempts": 0,
                "needs_reconcile": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    ids = []
    for chunk in _chunks(rows, 1000):
        ids += _insert(session, chunk)
    _events(session, ids, MessageState.queued, at=now)
    session.flush()
    return ids


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def queue_card_welcome(session: Session, card_id: int, *, now: datetime | None = None) -> int:
    """Queue the welcome for a newly issued card (preferred channel; the e-mail carries the card PDF).

    Transactional: exempt from the frequency cap and from a promotions pause. The send job is handed to
    the broker after the caller commits. Returns 1 when queued, 0 when it already was."""
    from loyalty.cards import Card

    card = session.get(Card, card_id)
    if card is None:
        raise NotFound(f"card {card_id} not found")
    member = session.get(Member, card.member_id)
    if member is None:
        raise NotFound(f"member {card.member_id} not found")
    ids = queue_messages(
        session,
        [
            NewMessage(
                member_id=card.member_id,
                requested_channel="preferred",
                dedupe_key=f"welcome:{card_id}",
                purpose="card_welcome",
                category=Category.transactional,
                locale=member.locale,
                context={"card_number": card.number, "holder_name": card.holder_name},
                card_id=card_id,
            )
        ],
        now=now,
    )
    for message_id in ids:
        jobs.defer(session, SEND_TASK, message_id)
    return len(ids)


ONCE_KINDS = {"new_job", "graduation", "new_home", "new_baby"}


def occasion_purpose(kind: str, for_whom: str) -> str:
    """The template for an occasion: birthday_self / birthday_relative / once_congrats / occasion_reminder."""
    if kind == "birthday":
        return "birthday_self" if for_whom == "self" else "birthday_relative"
    if kind in ONCE_KINDS:
        return "once_congrats"
    return "occasion_reminder"


def occasion_values(occasion: Any, when: date, locale: str) -> dict[str, Any]:
    """Template values naming whom the occasion is for and the purpose the member told us."""
    from loyalty.occasions import KIND_NAMES, for_whom_label

    tr_name, en_name = KIND_NAMES.get(occasion.kind, KIND_NAMES["custom"])
    return {
        "occasion_on": when.isoformat(),
        "purpose": occasion.purpose,
        "for_whom": occasion.for_whom,
        "for_whom_label": for_whom_label(occasion, locale),
        "kind": occasion.kind,
        "kind_name": en_name if locale.startswith("en") else tr_name,
    }


def _local_date(moment: datetime, zone: str) -> date:
    from zoneinfo import ZoneInfo

    try:
        return moment.astimezone(ZoneInfo(zone)).date()
    except (ValueError, KeyError):
        return moment.date()


def queue_campaign_messages(session: Session, run_id: int, *, now: datetime | None = None) -> int:
    """One message per coupon of the run, on the campaign's channel, due at the coupon's ``valid_from``
    (the member's own local send time) and stale at its expiry. Idempotent (dedupe key ``coupon:<id>``).

    The template is the campaign's own, else: for an occasion campaign the one that fits the member's
    occasion (birthday_self, birthday_relative, once_congrats, occasion_reminder), else holiday_coupon."""
    from loyalty.campaigns import Campaign, CampaignRun
    from loyalty.coupons import Coupon, format_code

    run = session.get(CampaignRun, run_id)
    if run is None:
        raise NotFound(f"campaign run {run_id} not found")
    campaign = session.get(Campaign, run.campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {run.campaign_id} not found")
    # a coupon that already has its message (on whichever channel: "preferred" may resolve differently
    # after a consent change) gets no second one; a retried run loads only what is still missing
    messaged = sa.exists().where(MESSAGES.c.coupon_id == Coupon.id)
    rows = session.exec(
        select(Coupon, Member)
        .join(Member, Member.id == Coupon.member_id)  # type: ignore[arg-type]
        .where(Coupon.run_id == run_id, ~messaged)
        .order_by(Coupon.id)  # type: ignore[arg-type]
    ).all()
    occasions = _run_occasions(session, campaign, run, [m.id or 0 for _, m in rows])
    holiday = _holiday_values(session, campaign, run)
    new: list[NewMessage] = []
    for coupon, member in rows:
        context: dict[str, Any] = {
            "campaign_name": campaign.name,
            "coupon_code": format_code(coupon.code),
            "offer_kind": coupon.offer_kind,
            "offer_value": str(coupon.offer_value),
            "expires_on": _local_date(coupon.expires_at, member.timezone).isoformat(),
            **holiday,
        }
        if coupon.min_purchase is not None:
            context["min_purchase_amount"] = str(coupon.min_purchase)
        if holiday:
            lang = "en" if member.locale.startswith("en") else "tr"
            context["holiday_name"] = holiday.get(f"holiday_name_{lang}", campaign.holiday_key)
        occasion = occasions.get(member.id or 0)
        purpose = campaign.template or "holiday_coupon"
        if occasion is not None:
            context |= occasion_values(occasion, occasion_day(campaign, run), member.locale)
            purpose = campaign.template or occasion_purpose(occasion.kind, occasion.for_whom)
        new.append(
            NewMessage(
                member_id=member.id or 0,
                requested_channel=campaign.channel,
                dedupe_key=f"coupon:{coupon.id}",
                purpose=purpose,
                category=Category.promotional,
                locale=member.locale,
                context=context,
                not_before=coupon.valid_from,
                expires_at=coupon.expires_at,
                campaign_id=campaign.id,
                run_id=run_id,
                coupon_id=coupon.id,
                occasion_id=occasion.id if occasion is not None else None,
            )
        )
    return len(queue_messages(session, new, now=now))


def occasion_day(campaign: Any, run: Any) -> date:
    return run.send_date + timedelta(days=campaign.days_before or 0)


def _run_occasions(session: Session, campaign: Any, run: Any, member_ids: list[int]) -> dict[int, Any]:
    """For an occasion campaign: each member's active occasion celebrated on the run's day."""
    if campaign.trigger_type != "occasion" or not member_ids:
        return {}
    from loyalty.occasions import Occasion, OccasionStatus, next_occurrence

    day = occasion_day(campaign, run)
    found: dict[int, Any] = {}
    for chunk in _chunks(member_ids, 1000):
        query = select(Occasion).where(
            Occasion.member_id.in_(chunk),  # type: ignore[attr-defined]
            Occasion.status == OccasionStatus.active,
        )
        if campaign.occasion_kinds:
            query = query.where(Occasion.kind.in_(campaign.occasion_kinds))  # type: ignore[attr-defined]
        if campaign.for_whom:
            query = query.where(Occasion.for_whom.in_(campaign.for_whom))  # type: ignore[attr-defined]
        for occasion in session.exec(query.order_by(Occasion.id)):  # type: ignore[arg-type]
            if occasion.member_id not in found and next_occurrence(occasion, day) == day:
                found[occasion.member_id] = occasion
    return found


def _holiday_values(session: Session, campaign: Any, run: Any) -> dict[str, Any]:
    if campaign.trigger_type != "holiday" or not campaign.holiday_key:
        return {}
    from loyalty.holidays import holidays_for

    day = occasion_day(campaign, run)
    values: dict[str, Any] = {"holiday_key": campaign.holiday_key}
    for lang in ("tr", "en"):
        for year in (day.year, day.year + 1):
            for info in holidays_for(year, campaign.country, lang, session=session):
                if info.key == campaign.holiday_key and info.date >= day:
                    values.setdefault(f"holiday_name_{lang}", info.name)
                    values.setdefault("holiday_on", info.date.isoformat())
    return values


def queue_occasion_reminders(session: Session, now: datetime) -> int:
    """The daily reminders members asked for: ``remind_days_before`` days ahead of a yearly occasion, on
    the day itself for a one-off one (a new job). Due at 10:00 member-local, stale after the day; paused
    members are skipped. Idempotent per occasion and date (``occasion:<id>:<date>``)."""
    from zoneinfo import ZoneInfo

    from loyalty.occasions import Occasion, due_reminders

    wanted = due_reminders(session, now=now, exclude_paused=True, once_on_the_day=True)
    if not wanted:
        return 0
    members = {
        m.id: m
        for m in session.exec(select(Member).where(Member.id.in_({u.member_id for u in wanted})))  # type: ignore[union-attr]
    }
    new = []
    for u in wanted:
        member = members[u.member_id]
        occasion = session.get(Occasion, u.occasion_id)
        zone = ZoneInfo(u.timezone)
        local_today = now.astimezone(zone).date()
        send_at = datetime.combine(local_today, time(10, 0), tzinfo=zone).astimezone(UTC)
        stale = datetime.combine(u.date + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)
        new.append(
            NewMessage(
                member_id=u.member_id,
                requested_channel="preferred",
                dedupe_key=f"occasion:{u.occasion_id}:{u.date.isoformat()}",
                purpose=occasion_purpose(u.kind, u.for_whom),
                category=Category.promotional,
                locale=member.locale,
                context=occasion_values(occasion, u.date, member.locale),
                not_before=max(send_at, now),
                expires_at=stale,
                occasion_id=u.occasion_id,
            )
        )
    return len(queue_messages(session, new, now=now))


def cancel_pending(session: Session, *, member_id: int, occasion_id: int | None = None, reason: str) -> int:
    """Cancel a member's queued promotional messages (or only those about ``occasion_id``)."""
    where = [M.member_id == member_id]
    if occasion_id is not None:
        where.append(M.occasion_id == occasion_id)
    else:
        where.append(M.category == Category.promotional.value)
    return _cancel_queued(session, where, reason)


def cancel_campaign_messages(session: Session, *, campaign_id: int, reason: str) -> int:
    """Cancel every message of a campaign not yet handed to a provider."""
    return _cancel_queued(session, [M.campaign_id == campaign_id], reason)


def _cancel_queued(session: Session, where: list[Any], reason: str) -> int:
    now = utcnow()
    stmt = (
        sa.update(MESSAGES)
        .where(M.state == MessageState.queued.value, *where)
        .values(state=MessageState.cancelled.value, error_message=reason[:500], updated_at=now)
        .returning(M.id)
    )
    ids = [row[0] for row in session.execute(stmt)]
    _events(session, ids, MessageState.cancelled, reason, now)
    session.flush()
    return len(ids)


# ---- dispatching (the minute beat) ------------------------------------------------------------------


def claim_due_messages(
    session: Session, now: datetime, *, limit: int = 500, redispatch_after: timedelta = timedelta(minutes=10)
) -> list[int]:
    """Mark up to ``limit`` due queued messages dispatched and return their ids (jobs follow the commit).

    PostgreSQL: FOR UPDATE SKIP LOCKED, so several dispatchers never hand out the same rows. SQLite has no
    row locks: the UPDATE runs under its single writer lock (one worker; documented in the README). A row
    dispatched long ago but still queued (a lost broker job) is handed out again; the claim in
    ``prepare_send`` makes that harmless."""
    due = (
        sa.select(M.id)
        .where(
            M.state == MessageState.queued.value,
            M.not_before <= now,
            sa.or_(M.dispatched_at.is_(None), M.dispatched_at < now - redispatch_after),
        )
        .order_by(M.not_before, M.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        sa.update(MESSAGES).where(M.id.in_(due.scalar_subquery())).values(dispatched_at=now).returning(M.id)
    )
    ids = sorted(row[0] for row in session.execute(stmt))
    for message_id in ids:
        jobs.defer(session, SEND_TASK, message_id)
    return ids


def recover_stuck(session: Session, now: datetime, *, limit: int = 500) -> list[int]:
    """Messages left in ``sending`` past their lease (the worker died): back to queued, to be reconciled
    with the provider before any resend."""
    stuck = (
        sa.select(M.id)
        .where(M.state == MessageState.sending.value, M.lease_until < now)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        sa.update(MESSAGES)
        .where(M.id.in_(stuck.scalar_subquery()))
        .values(
            state=MessageState.queued.value,
            needs_reconcile=True,
            lease_until=None,
            dispatched_at=None,
            updated_at=now,
        )
        .returning(M.id)
    )
    ids = sorted(row[0] for row in session.execute(stmt))
    _events(
        session, ids, MessageState.queued, "lease expired: reconcile with the provider before resending", now
    )
    return ids


# ---- sending ----------------------------------------------------------------------------------------


def _revive(values: dict[str, Any]) -> dict[str, Any]:
    """JSON context -> template values: ``*_on`` keys become dates, ``*_amount`` keys Decimals."""
    out = dict(values)
    for key, value in values.items():
        if isinstance(value, str) and key.endswith("_on"):
            out[key] = date.fromisoformat(value)
        elif isinstance(value, str | int | float) and key.endswith("_amount"):
            out[key] = Decimal(str(value))
    return out


def _render(
    session: Session, message: Message, member: Member, channel: Channel, settings: Settings
) -> Outgoing:
    from loyalty.links import unsubscribe_url
    from loyalty.message_templates import render_message

    unsubscribe = unsubscribe_url(settings, member.id or 0, channel)
    values = _revive(message.context) | {
        "member_name": member.full_name,
        "first_name": member.full_name.split()[0] if member.full_name.split() else member.full_name,
        "shop_name": settings.shop_name,
        "unsubscribe_url": unsubscribe,
    }
    rendered = render_message(message.purpose, message.locale, channel.value, values)
    attachments: tuple[Attachment, ...] = ()
    if channel == Channel.email and message.card_id is not None:
        try:
            attachments = (_card_attachment(session, message.card_id, settings),)
        except ImportError:  # the card PDF module is not installed: send the welcome without it
            log.warning("no card PDF renderer: welcome e-mail %s goes without its attachment", message.id)
    to = member.phone if channel == Channel.sms else (member.email or "")
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


def _card_attachment(session: Session, card_id: int, settings: Settings) -> Attachment:
    from loyalty.card_pdf import card_view, render_card_pdf  # type: ignore[import-not-found,unused-ignore]
    from loyalty.cards import Card

    card = session.get(Card, card_id)
    if card is None:
        raise NotFound(f"card {card_id} not found")
    pdf = render_card_pdf(card_view(card, settings.shop_name))
    return Attachment(f"card-{card.number}.pdf", "application/pdf", pdf)


def prepare_send(session: Session, message_id: int, now: datetime, settings: Settings) -> Outgoing | None:
    """Re-check a message and claim it for sending; None when there is nothing to send now.

    Locks the message (skipping it when another worker holds it) and, for a promotional one, the member
    (so two workers cannot both pass the frequency cap), applies the policy, renders the content and claims
    the row with ``UPDATE ... WHERE state='queued' RETURNING``. The caller commits before calling the
    provider."""
    from loyalty.policy import decide

    message = session.exec(
        select(Message)
        .where(Message.id == message_id, Message.state == MessageState.queued)
        .with_for_update(skip_locked=True)
    ).first()
    if message is None or message.not_before > now + timedelta(seconds=5):
        return None
    member = session.exec(
        select(Member).where(Member.id == message.member_id).with_for_update(of=Member)
    ).one()
    decision = decide(session, message, member, now, settings)
    if decision.action == "cancel":
        _set_state(
            session, message, MessageState.cancelled, decision.reason, now, error_message=decision.reason
        )
        return None
    if decision.action == "defer":
        assert decision.until is not None
        message.not_before = decision.until
        message.dispatched_at = None
        message.updated_at = now
        session.add(message)
        _events(
            session, [message_id], "deferred", f"{decision.reason} until {decision.until.isoformat()}", now
        )
        session.flush()
        return None
    assert decision.channel is not None
    if decision.channel != message.channel:
        taken = session.exec(
            select(Message.id).where(
                Message.channel == decision.channel, Message.dedupe_key == message.dedupe_key
            )
        ).first()
        if taken is not None:
            _set_state(session, message, MessageState.cancelled, "already queued on the other channel", now)
            return None
        message.channel = decision.channel
        session.add(message)
        session.flush()
    try:
        outgoing = _render(session, message, member, decision.channel, settings)
    except Exception as exc:  # a broken template must not loop forever
        log.exception("rendering message %s failed", message_id)
        _set_state(session, message, MessageState.failed, f"render: {exc}", now, error_message=str(exc)[:500])
        return None
    first = message.first_claimed_at or now
    claimed = session.execute(
        sa.update(MESSAGES)
        .where(M.id == message_id, M.state == MessageState.queued.value)
        .values(
            state=MessageState.sending.value,
            attempts=M.attempts + 1,
            claimed_at=now,
            first_claimed_at=first,
            lease_until=now + timedelta(seconds=settings.message_lease_seconds),
            to_address=outgoing.to,
            updated_at=now,
        )
        .returning(M.id)
    ).first()
    if claimed is None:
        return None
    _events(session, [message_id], MessageState.sending, f"attempt to {outgoing.to}", now)
    session.expire(message)
    return Outgoing(**{**outgoing.__dict__, "first_claimed_at": first})


def _set_state(
    session: Session, message: Message, state: MessageState, detail: str, now: datetime, **values: Any
) -> None:
    message.state = state
    message.updated_at = now
    for key, value in values.items():
        setattr(message, key, value)
    session.add(message)
    session.flush()
    _events(session, [message.id or 0], state, detail, now)


def _load(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id, populate_existing=True)
    if message is None:
        raise NotFound(f"message {message_id} not found")
    return message


def record_sent(
    session: Session, message_id: int, provider_id: str, now: datetime, *, detail: str = ""
) -> None:
    """The provider accepted the message (idempotent: a later callback may already have moved it on)."""
    message = _load(session, message_id)
    message.provider_id = message.provider_id or provider_id
    message.needs_reconcile = False
    message.lease_until = None
    if RANK[message.state] < RANK[MessageState.sent]:
        _set_state(
            session, message, MessageState.sent, detail or f"accepted as {provider_id}", now, sent_at=now
        )
    else:
        message.sent_at = message.sent_at or now
        session.add(message)
        session.flush()


def record_retry(
    session: Session, message_id: int, now: datetime, error: TransientSendError, retry_at: datetime
) -> None:
    """A transient failure: back to queued for ``retry_at`` (the Celery retry is already scheduled)."""
    message = _load(session, message_id)
    if message.state != MessageState.sending:
        return
    _set_state(
        session,
        message,
        MessageState.queued,
        f"retry at {retry_at.isoformat()}: {error}",
        now,
        not_before=retry_at,
        dispatched_at=retry_at,
        lease_until=None,
        needs_reconcile=message.needs_reconcile or error.uncertain,
        error_code=error.code,
        error_message=str(error)[:500],
    )


def record_failure(session: Session, message_id: int, now: datetime, error: SendError) -> None:
    """A permanent failure: the message fails, and the member's record learns from it (21211, 21610)."""
    message = _load(session, message_id)
    _set_state(
        session,
        message,
        MessageState.failed,
        f"{error.code or ''} {error}".strip(),
        now,
        lease_until=None,
        error_code=error.code,
        error_message=str(error)[:500],
    )
    _learn(session, message.member_id, getattr(error, "effect", None), now)


def _learn(session: Session, member_id: int, effect: str | None, now: datetime) -> None:
    """What the member's record learns from a provider's refusal: the number is invalid, or opted out."""
    member = session.get(Member, member_id) if effect else None
    if member is None:
        return
    if effect == "invalid_phone":
        member.phone_valid = False
        session.add(member)
        session.flush()
    elif effect == "opted_out":
        from loyalty.consent import record_consent

        record_consent(session, member, Channel.sms, False, source="sms provider", actor="twilio", now=now)


# Twilio error codes the member's record learns from, whether at send time or in a status callback
TWILIO_ERROR_EFFECTS = {"21211": "invalid_phone", "21610": "opted_out"}


def twilio_state(status: str) -> MessageState | None:
    return {
        "sent": MessageState.sent,
        "delivered": MessageState.delivered,
        "read": MessageState.delivered,
        "undelivered": MessageState.failed,
        "failed": MessageState.failed,
    }.get(status)


def apply_provider_status(
    session: Session,
    *,
    provider_id: str,
    status: str,
    message_id: int | None = None,
    error_code: str | None = None,
    now: datetime | None = None,
) -> bool:
    """A delivery report: moves the message forward only (repeats and late arrivals change nothing).

    Found by the provider id, or by our own id carried in the callback URL (which also rescues a message
    whose worker died after the provider accepted it). Returns whether anything changed."""
    now = now or utcnow()
    message = session.exec(select(Message).where(Message.provider_id == provider_id)).first()
    if message is None and message_id is not None:
        message = session.get(Message, message_id)
    if message is None:
        return False
    changed = False
    if message.provider_id is None:
        message.provider_id = provider_id
        message.needs_reconcile = False
        changed = True
    target = twilio_state(status)
    if target is not None and RANK[target] > RANK[message.state]:
        values: dict[str, Any] = {"provider_status": status, "lease_until": None}
        if target == MessageState.delivered:
            values["delivered_at"] = now
        if RANK[message.state] < RANK[MessageState.sent]:
            values["sent_at"] = now
        if target == MessageState.failed:
            values["error_code"] = error_code
        _set_state(session, message, target, f"provider status {status}", now, **values)
        if target == MessageState.failed and message.channel == Channel.sms:
            _learn(session, message.member_id, TWILIO_ERROR_EFFECTS.get(error_code or ""), now)
        return True
    if changed:
        session.add(message)
        session.flush()
    return changed


def message_history(session: Session, message_id: int) -> list[MessageEvent]:
    return list(
        session.exec(select(MessageEvent).where(MessageEvent.message_id == message_id).order_by(EVENTS.c.id))
    )
