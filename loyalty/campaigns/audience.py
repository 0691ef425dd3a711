"""Who a campaign reaches: one SQL select of member ids (set-based; never a Python loop over members).

Always: reachable on the campaign's channel (loyalty.messaging.reach; ``both``: on either), not paused, and
not awaiting review after bad feedback (the latest feedback is a detractor score, 0-6, and no card review
came after it). Optional filters (``AudienceFilter``): card holders only, a store (home store or bought
there), RFM over purchases (recency, frequency and spend in a window), and lapsed members (no purchase for N
days), targeted only when marketing asks with ``lapsed_days``. No blind win-back: without ``lapsed_days`` a
run leaves out members lapsed longer than the shop's window (LOYALTY_LAPSED_DAYS, default 180): their last
activity (the latest purchase, or for a member who never bought the registration) is older than that; a new
member who has not bought yet is not lapsed. Occasion campaigns add: an active occasion of the given kinds
celebrated exactly ``days_before`` after the run's local send date; they are what the member asked for, so
the lapse window and the detractor review do not apply to them (issue 19)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col

from loyalty.core.db import RowId
from loyalty.core.languages import Language
from loyalty.messaging.reach import message_channel_sql, paused_now, reachable_on
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Member
from loyalty.models.occasions import Occasion, OccasionStatus
from loyalty.models.purchases import Feedback, FollowUp, Purchase
from loyalty.occasions.windows import celebrated_between
from loyalty.purchases.feedback import DETRACTOR_MAX


class AudienceFilter(BaseModel):
    """Optional narrowing of a campaign's audience (stored as JSON on the campaign)."""

    model_config = ConfigDict(extra="forbid")

    card_holders_only: bool = False  # only members with an active card
    store_id: RowId | None = None  # home store, or at least one purchase there
    recency_days: int | None = Field(default=None, ge=1, le=3650)  # bought within the last N days
    min_purchases: int | None = Field(default=None, ge=1, le=1_000_000)  # at least N purchases in the window
    min_spend: Decimal | None = Field(default=None, gt=0, le=10**12)  # at least this much spent in the window
    window_days: int = Field(default=365, ge=1, le=3650)  # the window for min_purchases / min_spend
    lapsed_days: int | None = Field(default=None, ge=1, le=3650)  # bought before, not in the last N days
    locales: list[Language] | None = Field(default=None, min_length=1)  # the members' languages


class Reached(NamedTuple):
    """One row of an audience select: a member the run reaches, and on what. The channel is computed here
    once per member and run (``reach.message_channel_sql``) and travels with the row to the queue."""

    member_id: int
    timezone: str
    locale: str
    channel: str | None  # sms | email | both (reach.channels_of); None: nothing to send
    occasion_id: int | None = None  # a per-occasion select's fifth column


def _bought(*where: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.exists().where(col(Purchase.member_id) == col(Member.id), *where)


def filter_conditions(f: AudienceFilter, now: datetime) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if f.locales:
        conditions.append(col(Member.locale).in_(list(f.locales)))
    if f.card_holders_only:
        conditions.append(
            sa.exists().where(
                col(Card.member_id) == col(Member.id), col(Card.status) == CardStatus.active.value
            )
        )
    if f.store_id is not None:
        conditions.append(
            sa.or_(col(Member.home_store_id) == f.store_id, _bought(col(Purchase.store_id) == f.store_id))
        )
    if f.recency_days is not None:
        conditions.append(_bought(col(Purchase.occurred_at) >= now - timedelta(days=f.recency_days)))
    if f.min_purchases is not None or f.min_spend is not None:
        having: list[sa.ColumnElement[bool]] = []
        if f.min_purchases is not None:
            having.append(sa.func.count(col(Purchase.id)) >= f.min_purchases)
        if f.min_spend is not None:
            having.append(sa.func.sum(col(Purchase.amount)) >= f.min_spend)
        frequent = (
            sa.select(col(Purchase.member_id))
            .where(col(Purchase.occurred_at) >= now - timedelta(days=f.window_days))
            .group_by(col(Purchase.member_id))
            .having(*having)
        )
        conditions.append(col(Member.id).in_(frequent))
    if f.lapsed_days is not None:
        conditions.append(_bought())
        conditions.append(sa.not_(_bought(col(Purchase.occurred_at) >= now - timedelta(days=f.lapsed_days))))
    return conditions


def not_lapsed(now: datetime, days: int) -> sa.ColumnElement[bool]:
    """The member's last activity (latest purchase, else registration) is within ``days``."""
    since = now - timedelta(days=days)
    return sa.or_(
        _bought(col(Purchase.occurred_at) >= since), sa.and_(~_bought(), col(Member.created_at) >= since)
    )


def awaiting_review() -> sa.ColumnElement[bool]:
    """The member's latest feedback is a detractor score, its follow-up is not resolved, and no card review
    (approve/reject) came after it. Resolving the follow-up (or a newer, better score) releases the member,
    card or not."""
    table: sa.Table = Feedback.__table__  # type: ignore[attr-defined]
    f, later = table.alias("fb"), table.alias("fb_later")
    newer = sa.exists().where(
        later.c.member_id == f.c.member_id,
        sa.or_(
            later.c.created_at > f.c.created_at,
            sa.and_(later.c.created_at == f.c.created_at, later.c.id > f.c.id),
        ),
    )
    reviewed = sa.exists().where(
        col(Card.member_id) == f.c.member_id,
        col(Card.reviewed_at).is_not(None),
        col(Card.reviewed_at) >= f.c.created_at,
    )
    return sa.exists().where(
        f.c.member_id == col(Member.id),
        f.c.score <= DETRACTOR_MAX,
        f.c.followup != FollowUp.resolved.value,
        sa.not_(newer),
        sa.not_(reviewed),
    )


def occasion_match(
    kinds: Sequence[str], for_whom: Sequence[str] | None, celebrated: date
) -> list[sa.ColumnElement[bool]]:
    """On ``occasions`` joined to ``members``: the member's active occasion of ``kinds`` (and ``for_whom``)
    celebrated on the local date ``celebrated``.

    Uses the occasions module's own date matching (Feb 29 on Feb 28 in common years, one-offs only in their
    year), so the campaign and the reminders agree on when an occasion falls."""
    where = [
        col(Occasion.member_id) == col(Member.id),
        col(Occasion.status) == OccasionStatus.active.value,
        col(Occasion.kind).in_(list(kinds)),
        celebrated_between(celebrated, celebrated),
    ]
    if for_whom:
        where.append(col(Occasion.for_whom).in_(list(for_whom)))
    return where


def occasion_condition(
    kinds: Sequence[str], for_whom: Sequence[str] | None, celebrated: date
) -> sa.ColumnElement[bool]:
    """The member has an occasion that ``occasion_match``es."""
    return sa.exists().where(*occasion_match(kinds, for_whom, celebrated))


def audience_select(
    filters: AudienceFilter | dict[str, Any],
    *,
    channel: str,
    now: datetime,
    occasion: tuple[Sequence[str], Sequence[str] | None, date] | None = None,
    lapsed_default: int | None = None,
    per_occasion: bool = False,
) -> sa.Select[Any]:
    """SELECT members.id, members.timezone, members.locale, <resolved channel> for the audience (the
    columns of :class:`Reached`).

    ``occasion`` is (kinds, for_whom, celebrated local date) for an occasion campaign's run; with
    ``per_occasion`` the select has one row per matching occasion (a member's own birthday and her
    daughter's are two rows) and a fifth column, ``occasion_id``;
    ``lapsed_default`` the shop's lapse window, applied unless the filter asks for lapsed members. The
    channel column is ``sms``/``email``, for ``both`` also ``both`` (reachable on each)."""
    f = filters if isinstance(filters, AudienceFilter) else AudienceFilter.model_validate(filters)
    resolved: sa.ColumnElement[Any] = message_channel_sql(channel)
    conditions = [reachable_on(channel), sa.not_(paused_now(now))]
    if occasion is None:
        # the shop's own promotions only: an occasion campaign's coupon is what the member asked for, so a
        # lapsed member or one awaiting review after a low score still gets it (like her reminders)
        conditions.append(sa.not_(awaiting_review()))
        if f.lapsed_days is None and lapsed_default is not None:
            conditions.append(not_lapsed(now, lapsed_default))
    query: sa.Select[Any] = sa.select(
        col(Member.id).label("member_id"),
        col(Member.timezone).label("timezone"),
        col(Member.locale).label("locale"),
        resolved.label("channel"),
    ).where(*conditions, *filter_conditions(f, now))
    if occasion is not None and per_occasion:
        kinds, for_whom, celebrated = occasion
        query = (
            query.add_columns(col(Occasion.id).label("occasion_id"))
            .join(Occasion, sa.and_(*occasion_match(kinds, for_whom, celebrated)))
            .order_by(col(Member.id), col(Occasion.id))
        )
        return query
    if occasion is not None:
        kinds, for_whom, celebrated = occasion
        query = query.where(occasion_condition(kinds, for_whom, celebrated))
    return query.order_by(col(Member.id))
