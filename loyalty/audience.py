"""Who a campaign reaches: one SQL select of member ids (set-based; never a Python loop over members).

Always: opted in on the campaign's channel with a usable address (for ``preferred``: either channel), and
not paused. Optional filters (``AudienceFilter``): card holders only, a store (home store or bought there),
RFM over purchases (recency, frequency and spend in a window), and lapsed members (no purchase for N days),
which are targeted only when marketing asks with ``lapsed_days``. Occasion campaigns add: an active (not
retired) occasion of the given kinds celebrated exactly ``days_before`` after the run's local send date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col

from loyalty.cards import Card, CardStatus
from loyalty.db import RowId
from loyalty.members import Channel, Member
from loyalty.purchases import Purchase


class AudienceFilter(BaseModel):
    """Optional narrowing of a campaign's audience (stored as JSON on the campaign)."""

    model_config = ConfigDict(extra="forbid")

    card_holders_only: bool = False  # only members with an active card
    store_id: RowId | None = None  # home store, or at least one purchase there
    recency_days: int | None = Field(default=None, ge=1, le=3650)  # bought within the last N days
    min_purchases: int | None = Field(default=None, ge=1)  # at least N purchases in the window
    min_spend: Decimal | None = Field(default=None, gt=0)  # at least this much spent in the window
    window_days: int = Field(default=365, ge=1, le=3650)  # the window for min_purchases / min_spend
    lapsed_days: int | None = Field(default=None, ge=1, le=3650)  # bought before, not in the last N days


def _sms_ok() -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Member.sms_opt_in).is_(True), col(Member.phone_valid).is_(True), col(Member.phone) != ""
    )


def _email_ok() -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Member.email_opt_in).is_(True), col(Member.email).is_not(None), col(Member.email) != ""
    )


def reachable_on(channel: str) -> sa.ColumnElement[bool]:
    if channel == Channel.sms:
        return _sms_ok()
    if channel == Channel.email:
        return _email_ok()
    return sa.or_(_sms_ok(), _email_ok())


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


def not_paused(now: datetime) -> sa.ColumnElement[bool]:
    return sa.not_(
        sa.and_(
            col(Member.paused).is_(True),
            sa.or_(col(Member.paused_until).is_(None), col(Member.paused_until) > now),
        )
    )


def _bought(*where: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.exists().where(col(Purchase.member_id) == col(Member.id), *where)


def filter_conditions(f: AudienceFilter, now: datetime) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
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


def occasion_condition(
    kinds: Sequence[str], for_whom: Sequence[str] | None, celebrated: date
) -> sa.ColumnElement[bool]:
    """An active occasion of ``kinds`` (and ``for_whom``) celebrated on the local date ``celebrated``.

    Uses the occasions module's own date matching (Feb 29 on Feb 28 in common years, one-offs only in their
    year), so the campaign and the reminders agree on when an occasion falls."""
    from loyalty.occasions import Occasion, OccasionStatus, celebrated_between

    on_day = celebrated_between(celebrated, celebrated)
    where = [
        col(Occasion.member_id) == col(Member.id),
        col(Occasion.status) == OccasionStatus.active.value,
        col(Occasion.kind).in_(list(kinds)),
        on_day,
    ]
    if for_whom:
        where.append(col(Occasion.for_whom).in_(list(for_whom)))
    return sa.exists().where(*where)


def audience_select(
    filters: AudienceFilter | dict[str, Any],
    *,
    channel: str,
    now: datetime,
    occasion: tuple[Sequence[str], Sequence[str] | None, date] | None = None,
) -> sa.Select[Any]:
    """SELECT members.id, members.timezone, members.locale, <resolved channel> for the audience.

    ``occasion`` is (kinds, for_whom, celebrated local date) for an occasion campaign's run."""
    f = filters if isinstance(filters, AudienceFilter) else AudienceFilter.model_validate(filters)
    resolved: sa.ColumnElement[Any] = resolved_channel() if channel == "preferred" else sa.literal(channel)
    query: sa.Select[Any] = sa.select(
        col(Member.id).label("member_id"),
        col(Member.timezone).label("timezone"),
        col(Member.locale).label("locale"),
        resolved.label("channel"),
    ).where(reachable_on(channel), not_paused(now), *filter_conditions(f, now))
    if occasion is not None:
        kinds, for_whom, celebrated = occasion
        query = query.where(occasion_condition(kinds, for_whom, celebrated))
    return query.order_by(col(Member.id))


def count_by_channel(session: Any, query: sa.Select[Any]) -> dict[str, int]:
    """{"sms": n, "email": m} for an ``audience_select`` (one grouped query)."""
    sub = query.order_by(None).subquery()
    rows = session.execute(sa.select(sub.c.channel, sa.func.count()).group_by(sub.c.channel))
    counts = {"sms": 0, "email": 0}
    for channel, n in rows:
        counts[str(channel)] = int(n)
    return counts
