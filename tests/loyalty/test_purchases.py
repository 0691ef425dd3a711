"""Purchases: idempotent on receipt_id (also under concurrency), validation, and the card rule."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loyalty.core.db import unit_of_work
from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.models.cards import Card, CardStatus
from loyalty.models.purchases import Purchase
from loyalty.purchases.card_rule import CardProgress, CardRule, card_progress, qualifies_for_card
from loyalty.purchases.feedback import record_feedback
from loyalty.purchases.recording import PurchaseOutcome, record_purchase
from tests.builders import make_member, make_store

RULE = CardRule(visits_needed=3, window_days=180)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _buy(
    session: Session,
    member_id: int | None,
    receipt: str,
    days_ago: float = 0,
    *,
    amount: str = "120.50",
    rule: CardRule = RULE,
    store_id: int | None = None,
) -> PurchaseOutcome:
    return record_purchase(
        session,
        member_id or 0,
        Decimal(amount),
        receipt,
        occurred_at=NOW - timedelta(days=days_ago),
        store_id=store_id,
        rule=rule,
        now=NOW,
    )


def _count(session: Session, model: type, **where: object) -> int:
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.exec(stmt).one()


# ---------------------------------------------------------------- the card rule


def test_the_third_purchase_in_the_window_issues_exactly_one_named_card(session: Session) -> None:
    member = make_member(session, "Ayşe Çağlar")
    first = _buy(session, member.id, "R-1", days_ago=100)
    second = _buy(session, member.id, "R-2", days_ago=50)
    assert (first.card, first.card_issued, second.card, second.card_issued) == (None, False, None, False)
    third = _buy(session, member.id, "R-3")
    assert third.card_issued and third.created
    assert third.card is not None and third.card.holder_name == "Ayşe Çağlar"
    assert third.card.status == CardStatus.active and third.card.member_id == member.id
    fourth = _buy(session, member.id, "R-4")
    assert (fourth.card_issued, fourth.card.id if fourth.card else None) == (False, third.card.id)
    assert _count(session, Card, member_id=member.id) == 1


def test_purchases_spread_wider_than_the_window_issue_no_card(session: Session) -> None:
    member = make_member(session)
    _buy(session, member.id, "W-1", days_ago=200)
    _buy(session, member.id, "W-2", days_ago=100)
    assert _buy(session, member.id, "W-3").card is None  # 200 days apart: never 3 within 180
    assert _buy(session, member.id, "W-4", days_ago=20).card_issued  # -100, -20, 0


def test_a_late_entered_receipt_can_complete_a_window(session: Session) -> None:
    member = make_member(session)
    _buy(session, member.id, "L-1", days_ago=170)
    _buy(session, member.id, "L-2", days_ago=10)
    outcome = _buy(session, member.id, "L-3", days_ago=120)  # entered last, lies between the two
    assert outcome.card_issued


def test_the_rule_comes_from_settings_values(session: Session) -> None:
    member = make_member(session)
    one = CardRule(visits_needed=1, window_days=1)
    assert _buy(session, member.id, "S-1", rule=one).card_issued


def test_window_edges() -> None:
    t = NOW.date()
    rule = CardRule(visits_needed=3, window_days=10)
    assert qualifies_for_card([t - timedelta(days=10), t - timedelta(days=5), t], t, rule)
    assert not qualifies_for_card([t - timedelta(days=11), t - timedelta(days=5), t], t, rule)
    # three in a window, but the new purchase is not among them: that window was judged when it was complete
    old = [t - timedelta(days=40), t - timedelta(days=39), t - timedelta(days=38)]
    assert not qualifies_for_card([*old, t], t, rule)
    assert not qualifies_for_card([t, t, t], t, rule)  # one day is one visit, however many receipts


def test_three_receipts_in_one_visit_are_one_visit(session: Session) -> None:
    member = make_member(session)
    for n in range(3):
        assert not _buy(session, member.id, f"V-{n}", days_ago=n / 100).card_issued  # minutes apart
    assert not _buy(session, member.id, "V-next", days_ago=1).card_issued  # second visit
    assert _buy(session, member.id, "V-third", days_ago=2).card_issued  # the third distinct day


def test_a_visit_is_a_local_day_in_the_members_zone(session: Session) -> None:
    """22:30 and 23:30 UTC on one UTC day are 01:30 and 02:30 the next day in Istanbul: one visit; 20:30 UTC
    the same UTC day is the day before in Istanbul too (23:30): another visit."""
    member = make_member(session)
    base = datetime(2026, 5, 31, tzinfo=UTC)
    times = [
        base.replace(hour=22, minute=30),
        base.replace(hour=23, minute=30),
        base.replace(hour=20, minute=30),
    ]
    outcomes = [
        record_purchase(session, member.id or 0, Decimal("10"), f"Z-{n}", occurred_at=t, rule=RULE, now=NOW)
        for n, t in enumerate(times)
    ]
    assert [o.card_issued for o in outcomes] == [False, False, False]
    assert card_progress(session, member, RULE, NOW).visits == 2
    assert not _buy(session, member.id, "Z-same-day").card_issued  # 1 June, Istanbul: visit 2
    assert _buy(session, member.id, "Z-last", days_ago=2).card_issued


def test_card_progress_counts_visits_in_the_window(session: Session) -> None:
    member = make_member(session)
    assert card_progress(session, member, RULE, NOW) == CardProgress(visits=0, needed=3, window_days=180)
    _buy(session, member.id, "P-old", days_ago=200)  # outside the window
    _buy(session, member.id, "P-1", days_ago=30)
    _buy(session, member.id, "P-1b", days_ago=30)
    _buy(session, member.id, "P-2", days_ago=1)
    assert card_progress(session, member, RULE, NOW).visits == 2


def test_a_detractor_as_latest_feedback_holds_the_card_for_review(session: Session) -> None:
    member = make_member(session)
    _buy(session, member.id, "D-1", days_ago=3)
    record_feedback(session, member.id or 0, 9)
    record_feedback(session, member.id or 0, 4, comment="kahve soğuktu")
    _buy(session, member.id, "D-2", days_ago=2)
    outcome = _buy(session, member.id, "D-3")
    assert outcome.card_issued and outcome.card is not None
    assert outcome.card.status == CardStatus.pending_review


def test_a_later_good_score_lifts_the_hold(session: Session) -> None:
    member = make_member(session)
    record_feedback(session, member.id or 0, 6)
    record_feedback(session, member.id or 0, 7)  # 7 is passive, not a detractor
    for i in range(3):
        outcome = _buy(session, member.id, f"G-{i}", days_ago=3 - i)
    assert outcome.card is not None and outcome.card.status == CardStatus.active


# ---------------------------------------------------------------- idempotency


def test_a_repeated_receipt_returns_the_first_purchase_and_records_nothing(session: Session) -> None:
    member = make_member(session)
    first = _buy(session, member.id, "  RCPT-9  ", amount="50.00")
    again = _buy(session, member.id, "RCPT-9", amount="50.00")
    assert first.created and not again.created and not again.card_issued
    assert again.purchase.id == first.purchase.id and again.purchase.receipt_id == "RCPT-9"
    assert _count(session, Purchase, receipt_id="RCPT-9") == 1


def test_a_repeated_receipt_does_not_count_towards_the_card(session: Session) -> None:
    member = make_member(session)
    for _ in range(5):
        assert _buy(session, member.id, "SAME").card is None
    assert _count(session, Purchase, member_id=member.id) == 1


def test_a_receipt_of_another_member_is_a_conflict(session: Session) -> None:
    owner, other = make_member(session), make_member(session)
    first = _buy(session, owner.id, "SHARED-1")
    with pytest.raises(Conflict) as caught:
        _buy(session, other.id, "SHARED-1")
    assert caught.value.extra["purchase_id"] == first.purchase.id
    assert _count(session, Purchase, member_id=other.id) == 0


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize("amount", ["0", "-5", "0.001", "12345678901.00"])
def test_amount_must_be_positive_money(session: Session, amount: str) -> None:
    member = make_member(session)
    with pytest.raises(Invalid) as caught:
        _buy(session, member.id, "A-1", amount=amount)
    assert caught.value.field == "amount"


def test_occurred_at_in_the_future_or_without_zone_is_invalid(session: Session) -> None:
    member = make_member(session)
    with pytest.raises(Invalid) as caught:
        _buy(session, member.id, "F-1", days_ago=-1)
    assert caught.value.field == "occurred_at" and "future" in caught.value.message
    with pytest.raises(Invalid) as caught:
        record_purchase(
            session, member.id or 0, Decimal(10), "F-2", occurred_at=datetime(2026, 1, 1), rule=RULE
        )
    assert caught.value.field == "occurred_at"
    ok = _buy(session, member.id, "F-3", days_ago=-1 / (24 * 60))  # a till clock one minute ahead is fine
    assert ok.created


def test_receipt_store_and_member_are_checked(session: Session) -> None:
    member = make_member(session)
    with pytest.raises(Invalid) as caught:
        _buy(session, member.id, "   ")
    assert caught.value.field == "receipt_id"
    with pytest.raises(Invalid) as caught:
        _buy(session, member.id, "X" * 65)
    assert caught.value.field == "receipt_id"
    with pytest.raises(Invalid) as caught:
        _buy(session, member.id, "ST-1", store_id=999_999)
    assert caught.value.field == "store_id"
    store = make_store(session)
    assert _buy(session, member.id, "ST-2", store_id=store.id).purchase.store_id == store.id
    with pytest.raises(NotFound):
        _buy(session, 999_999, "NM-1")


def test_feedback_validation(session: Session) -> None:
    member, other = make_member(session), make_member(session)
    purchase = _buy(session, member.id, "FB-1").purchase
    fb = record_feedback(session, member.id or 0, 10, comment="  harika  ", purchase_id=purchase.id)
    assert (fb.score, fb.comment, fb.purchase_id) == (10, "harika", purchase.id)
    for score in (-1, 11):
        with pytest.raises(Invalid) as caught:
            record_feedback(session, member.id or 0, score)
        assert caught.value.field == "score"
    with pytest.raises(Invalid) as caught:
        record_feedback(session, other.id or 0, 8, purchase_id=purchase.id)  # not other's purchase
    assert caught.value.field == "purchase_id"
    with pytest.raises(NotFound):
        record_feedback(session, 999_999, 8)


# ---------------------------------------------------------------- concurrency (PostgreSQL, real commits)


def _run(*targets) -> None:  # type: ignore[no-untyped-def]
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)


def _members(engine: Engine, count: int) -> list[int]:
    with unit_of_work(engine) as session:
        ids = [make_member(session, f"Üye {i}").id or 0 for i in range(count)]
        session.commit()
    return ids


@pytest.mark.postgres_only
def test_one_receipt_sent_many_times_at_once_is_recorded_once(committing_engine: Engine) -> None:
    (member_id,) = _members(committing_engine, 1)
    n, barrier, outcomes, lock = 8, threading.Barrier(8), [], threading.Lock()

    def attempt() -> None:
        barrier.wait(5)
        with Session(committing_engine, expire_on_commit=False) as session:
            try:
                out = record_purchase(session, member_id, Decimal("75.00"), "RACE-1", rule=RULE)
                session.commit()
                result: object = (out.purchase.id, out.created)
            except Exception as exc:
                result = repr(exc)
        with lock:
            outcomes.append(result)

    _run(*[attempt] * n)
    ids = {o[0] for o in outcomes if isinstance(o, tuple)}
    assert len(ids) == 1 and len(outcomes) == n, outcomes
    assert sorted(o[1] for o in outcomes if isinstance(o, tuple)) == [False] * (n - 1) + [True]
    with Session(committing_engine) as session:
        assert _count(session, Purchase, receipt_id="RACE-1") == 1


@pytest.mark.postgres_only
def test_one_receipt_for_two_members_at_once_is_one_purchase_and_one_conflict(
    committing_engine: Engine,
) -> None:
    """The second INSERT waits on the first's uncommitted row in the unique index, then becomes a Conflict."""
    first_id, second_id = _members(committing_engine, 2)
    flushed, results = threading.Event(), {}

    def first() -> None:
        with Session(committing_engine, expire_on_commit=False) as session:
            out = record_purchase(session, first_id, Decimal("10.00"), "RACE-2", rule=RULE)
            flushed.set()
            threading.Event().wait(0.5)  # the second now waits on our row
            session.commit()
            results["first"] = out.purchase.id

    def second() -> None:
        flushed.wait(5)
        with Session(committing_engine) as session:
            try:
                record_purchase(session, second_id, Decimal("10.00"), "RACE-2", rule=RULE)
                session.commit()
                results["second"] = "created"
            except Conflict as exc:
                results["second"] = exc.extra["purchase_id"]
            except Exception as exc:
                results["second"] = repr(exc)

    _run(first, second)
    assert results["second"] == results["first"], results


@pytest.mark.postgres_only
def test_simultaneous_purchases_never_miss_or_double_the_card(committing_engine: Engine) -> None:
    """Six different receipts at once for a member with none: exactly one of them issues the one card."""
    (member_id,) = _members(committing_engine, 1)
    n, barrier, outcomes, lock = 6, threading.Barrier(6), [], threading.Lock()

    def attempt(i: int) -> None:
        barrier.wait(5)
        with Session(committing_engine, expire_on_commit=False) as session:
            try:
                out = record_purchase(
                    session,
                    member_id,
                    Decimal("20.00"),
                    f"MANY-{i}",
                    occurred_at=datetime.now(UTC) - timedelta(days=i),  # six visits
                    rule=RULE,
                )
                session.commit()
                result: object = out.card_issued
            except Exception as exc:
                result = repr(exc)
        with lock:
            outcomes.append(result)

    _run(*[lambda i=i: attempt(i) for i in range(n)])
    assert sorted(outcomes, key=str) == [False] * (n - 1) + [True], outcomes  # type: ignore[type-var]
    with Session(committing_engine) as session:
        assert _count(session, Purchase, member_id=member_id) == n
        assert _count(session, Card, member_id=member_id) == 1
