"""Who a campaign reaches: one SQL select of member ids (set-based; never a Python loop over members).

Always: reachable on the campaign's channel (loyalty.messaging.reach; ``both``: on either), not paused, and
not awaiting review after bad feedback (the latest feedback is a detractor score, 0-6, and no card review
came after it). Optional filters (``AudienceFilter``): card holders only, a store (home store or bought
there), RFM over purchases (recency, frequency and spend in a window), and lapsed members (no purchase for N
days), targeted only when marketing asks with ``lapsed_days``. No blind win-back: without ``lapsed_days`` a
run leaves out members lapsed longer than the shop's window (LOYALTY_LAPSED_DAYS, default 180): their last
activity (the latest purchase, or for a member who never bought the registration) is older than that; a new
member who has not bought yet is not lapsed. Occasion campaigns add: an active occasion of the given kinds
celebrated exactly ``days_before`` after the run's local send date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col

from loyalty.core.db import RowId
from loyalty.messaging.reach import both_label, paused_now, reachable_on, resolved_channel
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Member
from loyalty.models.occasions import Occasion, OccasionStatus
from loyalty.models.purchases import Feedback, Purchase
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
    locales: list[Literal["tr", "en"]] | None = Field(default=None, min_length=1)  # the members' languages


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


DETRACTOR_MAX = 6  # the same line as purchases/feedback.py (0-6 of 10 is a detractor)


def not_lapsed(now: datetime, days: int) -> sa.ColumnElement[bool]:
    """The member's last activity (latest purchase, else registration) is within ``days``."""
    since = now - timedelta(days=days)
    return sa.or_(
        _bought(col(Purchase.occurred_at) >= since), sa.and_(~_bought(), col(Member.created_at) >= since)
    )


def awaiting_review() -> sa.ColumnElement[bool]:
    """The member's latest feedback is a detractor score and no card review (approve/reject) came after it."""
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
        f.c.member_id == col(Member.id), f.c.score <= DETRACTOR_MAX, sa.not_(newer), sa.not_(reviewed)
    )


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
    lapsed_default: int | None = None,
) -> sa.Select[Any]:
    """SELECT members.id, members.timezone, members.locale, <resolved channel> for the audience.

    ``occasion`` is (kinds, for_whom, celebrated local date) for an occasion campaign's run;
    ``lapsed_default`` the shop's lapse window, applied unless the filter asks for lapsed members. The
    channel column is ``sms``/``email``, for ``both`` also ``both`` (reachable on each)."""
    f = filters if isinstance(filters, AudienceFilter) else AudienceFilter.model_validate(filters)
    resolved: sa.ColumnElement[Any]
    if channel == "preferred":
        resolved = resolved_channel()
    elif channel == "both":
        resolved = both_label()
    else:
        resolved = sa.literal(channel)
    conditions = [reachable_on(channel), sa.not_(paused_now(now)), sa.not_(awaiting_review())]
    if f.lapsed_days is None and lapsed_default is not None:
        conditions.append(not_lapsed(now, lapsed_default))
    query: sa.Select[Any] = sa.select(
        col(Member.id).label("member_id"),
        col(Member.timezone).label("timezone"),
        col(Member.locale).label("locale"),
        resolved.label("channel"),
    ).where(*conditions, *filter_conditions(f, now))
    if occasion is not None:
        kinds, for_whom, celebrated = occasion
        query = query.where(occasion_condition(kinds, for_whom, celebrated))
    return query.order_by(col(Member.id))
