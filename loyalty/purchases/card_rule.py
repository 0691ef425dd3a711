"""The card rule: a named card is earned at the N-th purchase within a window, never at sign-up; a member
whose latest feedback is a detractor score gets a card held for staff review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from loyalty.cards.issuing import current_card, issue_card
from loyalty.core.settings import Settings
from loyalty.models.cards import Card
from loyalty.models.members import Member
from loyalty.models.purchases import Purchase
from loyalty.purchases.feedback import is_detractor, latest_feedback


@dataclass(frozen=True)
class CardRule:
    """A card is earned by the ``purchases_needed``-th purchase within ``window_days``."""

    purchases_needed: int = 3
    window_days: int = 180

    @classmethod
    def from_settings(cls, settings: Settings) -> CardRule:
        return cls(purchases_needed=settings.card_purchases_needed, window_days=settings.card_window_days)


def qualifies_for_card(times: list[datetime], new: datetime, rule: CardRule) -> bool:
    """Is there a window of ``window_days`` holding ``purchases_needed`` purchases, the new one among them?

    ``times`` are all the member's purchase times near ``new`` (including it). A late-entered receipt
    can complete a window that lies before or after it, hence the sliding check rather than a count.
    """
    window = timedelta(days=rule.window_days)
    ordered = sorted(times)
    n = rule.purchases_needed
    for start in range(len(ordered) - n + 1):
        first, last = ordered[start], ordered[start + n - 1]
        if last - first <= window and first <= new <= last:
            return True
    return False


def apply_card_rule(
    session: Session, member: Member, purchase: Purchase, rule: CardRule, now: datetime
) -> tuple[Card | None, bool]:
    assert member.id is not None
    card = current_card(session, member.id)
    if card is not None:
        return card, False
    window = timedelta(days=rule.window_days)
    times = list(
        session.exec(
            select(Purchase.occurred_at).where(
                Purchase.member_id == member.id,
                col(Purchase.occurred_at) >= purchase.occurred_at - window,
                col(Purchase.occurred_at) <= purchase.occurred_at + window,
            )
        )
    )
    if not qualifies_for_card(times, purchase.occurred_at, rule):
        return None, False
    feedback = latest_feedback(session, member.id)
    held = feedback is not None and is_detractor(feedback.score)
    return issue_card(session, member.id, member.full_name, pending_review=held, now=now)
