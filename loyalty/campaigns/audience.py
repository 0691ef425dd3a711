"""Who a campaign reaches: one SQL select of member ids (set-based; never a Python loop over members).

Always: reachable on the campaign's channel (loyalty.messaging.reach) and not paused. Optional filters
(``AudienceFilter``): card holders only, a store (home store or bought there), RFM over purchases (recency,
frequency and spend in a window), and lapsed members (no purchase for N days), targeted only when marketing
asks with ``lapsed_days``. Occasion campaigns add: an active occasion of the given kinds celebrated exactly
``days_before`` after the run's local send date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col

from loyalty.core.db import RowId
from loyalty.messaging.reach import paused_now, reachable_on, resolved_channel
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Member
from loyalty.models.occasions import Occasion, OccasionStatus
from loyalty.models.purchases import Purchase
from loyalty.occasions.windows import celebrated_between


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
    ).where(reachable_on(channel), sa.not_(paused_now(now)), *filter_conditions(f, now))
    if occasion is not None:
        kinds, for_whom, celebrated = occasion
        query = query.where(occasion_condition(kinds, for_whom, celebrated))
    return query.order_by(col(Member.id))
