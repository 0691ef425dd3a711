"""The card rule: a named card is earned on the N-th *visit* within a window, never at sign-up; a member
whose latest feedback is a detractor score gets a card held for staff review.

A visit is a distinct local day (in the member's time zone) with at least one purchase: three receipts in
one afternoon are one visit, so the first visit never earns the card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session, col, select

from loyalty.cards.issuing import issue_card
from loyalty.core.settings import Settings
from loyalty.core.zones import local_date
from loyalty.models.cards import CURRENT_STATUSES, Card
from loyalty.models.members import Member
from loyalty.models.purchases import Feedback, Purchase
from loyalty.purchases.feedback import is_detractor


@dataclass(frozen=True)
class CardRule:
    """A card is earned by the ``visits_needed``-th visit (distinct local day) within ``window_days``."""

    visits_needed: int = 3
    window_days: int = 180

    @classmethod
    def from_settings(cls, settings: Settings) -> CardRule:
        return cls(visits_needed=settings.card_visits_needed, window_days=settings.card_window_days)


class CardProgress(BaseModel):
    """Visits toward the card: distinct local days with a purchase in the last ``window_days`` days."""

    visits: int
    needed: int
    window_days: int


def qualifies_for_card(days: list[date], new: date, rule: CardRule) -> bool:
    """Is there a window of ``window_days`` days holding ``visits_needed`` visits, the new one among them?

    ``days`` are the member's visit days near ``new`` (including it). A late-entered receipt can complete
    a window that lies before or after it, hence the sliding check rather than a count. The last visit
    may be at most ``window_days`` days after the first.
    """
    span = timedelta(days=rule.window_days)
    ordered = sorted(set(days))
    n = rule.visits_needed
    for start in range(len(ordered) - n + 1):
        first, last = ordered[start], ordered[start + n - 1]
        if last - first <= span and first <= new <= last:
            return True
    return False


def _visit_days(session: Session, member: Member, start: datetime, end: datetime) -> list[date]:
    times = session.exec(
        select(Purchase.occurred_at).where(
            Purchase.member_id == member.id,
            col(Purchase.occurred_at) >= start,
            col(Purchase.occurred_at) <= end,
        )
    )
    return sorted({local_date(t, member.timezone) for t in times})


def card_progress(session: Session, member: Member, rule: CardRule, now: datetime) -> CardProgress:
    """The visits that count toward the card today: distinct local days in the window ending today."""
    today = local_date(now, member.timezone)
    first_day = today - timedelta(days=rule.window_days)
    days = _visit_days(session, member, now - timedelta(days=rule.window_days + 1), now + timedelta(days=1))
    visits = sum(1 for d in days if first_day <= d <= today)
    return CardProgress(visits=visits, needed=rule.visits_needed, window_days=rule.window_days)


_LATEST_SCORE = (
    select(Feedback.score)
    .where(Feedback.member_id == sa.bindparam("member_id"))
    .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
    .limit(1)
    .scalar_subquery()
)
# built once with bound parameters: the counter's hot path pays no statement construction or cache key
_RULE_READS = (
    select(Purchase.occurred_at, Card, _LATEST_SCORE)
    .outerjoin(
        Card,
        sa.and_(col(Card.member_id) == col(Purchase.member_id), col(Card.status).in_(CURRENT_STATUSES)),
    )
    .where(
        Purchase.member_id == sa.bindparam("member_id"),
        col(Purchase.occurred_at) >= sa.bindparam("start"),
        col(Purchase.occurred_at) <= sa.bindparam("end"),
        sa.or_(col(Card.id).is_(None), col(Purchase.id) == sa.bindparam("purchase_id")),
    )
)


def _rule_reads(
    session: Session, member_id: int, purchase: Purchase, margin: timedelta
) -> tuple[Card | None, list[datetime], int | None]:
    """The card rule's reads in one query: the member's current card, the times of their purchases within
    ``margin`` of ``purchase`` (only ``purchase`` itself once a card is held) and the latest feedback score.

    ``purchase`` is already written, so there is always a row to carry the card and the score."""
    params = {
        "member_id": member_id,
        "start": purchase.occurred_at - margin,
        "end": purchase.occurred_at + margin,
        "purchase_id": purchase.id,
    }
    rows = session.execute(_RULE_READS, params).all()
    card = rows[0][1] if rows else None
    score = rows[0][2] if rows else None
    return card, [row[0] for row in rows], score


def apply_card_rule(
    session: Session, member: Member, purchase: Purchase, rule: CardRule, now: datetime
) -> tuple[Card | None, bool]:
    assert member.id is not None
    margin = timedelta(days=rule.window_days + 1)  # +1: local days may straddle UTC midnight
    card, times, score = _rule_reads(session, member.id, purchase, margin)
    if card is not None:
        return card, False
    days = sorted({local_date(t, member.timezone) for t in times})
    if not qualifies_for_card(days, local_date(purchase.occurred_at, member.timezone), rule):
        return None, False
    held = score is not None and is_detractor(score)
    return issue_card(session, member.id, member.full_name, pending_review=held, now=now)
