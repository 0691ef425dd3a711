"""Redeeming a coupon exactly once, refusals (409/410/404/422), reversal with its audit, idempotency keys."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loyalty.core.errors import Conflict, DomainError, Gone, Invalid, NotFound
from loyalty.coupons.codes import format_code
from loyalty.coupons.housekeeping import expire_coupons
from loyalty.coupons.idempotency import Answer, purge_keys, run_once
from loyalty.coupons.lookup import redemption_audit
from loyalty.coupons.redeeming import redeem, reverse_redemption
from loyalty.models.coupons import Coupon, CouponRedemption, CouponStatus
from loyalty.models.idempotency import IdempotencyKey
from tests.builders import make_coupon, make_member, make_store, make_user

NOW = datetime(2026, 5, 25, 9, 30, tzinfo=UTC)


def _coupon(session: Session, **fields: object) -> Coupon:
    fields.setdefault("valid_from", NOW - timedelta(days=1))
    fields.setdefault("expires_at", NOW + timedelta(days=13))
    return make_coupon(session, make_member(session, "Zeynep Çelik"), **fields)  # type: ignore[arg-type]


def test_redeem_records_store_staff_time_amount_and_discount(session: Session) -> None:
    coupon = _coupon(session)
    store, clerk = make_store(session, name="Moda"), make_user(session)
    done = redeem(
        session,
        coupon.code.lower(),
        purchase_amount=Decimal("240.00"),
        store_id=store.id,
        actor_user_id=clerk.id or 0,
        now=NOW,
    )
    assert done.status == CouponStatus.redeemed
    assert (done.redeemed_at, done.redeemed_store_id, done.redeemed_by_user_id) == (NOW, store.id, clerk.id)
    assert (done.redeemed_purchase_amount, done.redeemed_discount) == (Decimal("240.00"), Decimal("36.00"))
    [audit] = redemption_audit(session, coupon.id or 0)
    assert (audit.action, audit.at, audit.user_id, audit.store_id) == ("redeem", NOW, clerk.id, store.id)
    assert (audit.purchase_amount, audit.discount) == (Decimal("240.00"), Decimal("36.00"))


def test_the_code_is_accepted_in_any_case_and_grouping(session: Session) -> None:
    coupon = _coupon(session)
    clerk = make_user(session)
    typed = " " + format_code(coupon.code).lower().replace("-", " ") + " "
    assert redeem(session, typed, actor_user_id=clerk.id or 0, now=NOW).id == coupon.id


def test_a_second_redemption_is_a_conflict_saying_when_and_where(session: Session) -> None:
    coupon = _coupon(session)
    store, clerk = make_store(session, name="Moda"), make_user(session, username="ayse")
    redeem(session, coupon.code, store_id=store.id, actor_user_id=clerk.id or 0, now=NOW)
    with pytest.raises(Conflict) as caught:
        redeem(session, coupon.code, actor_user_id=clerk.id or 0, now=NOW + timedelta(minutes=5))
    error = caught.value
    assert (
        "already redeemed" in error.message
        and "Moda" in error.message
        and "2026-05-25 09:30" in error.message
    )
    assert error.extra["store_name"] == "Moda" and error.extra["redeemed_by"] == "ayse"
    assert error.extra["redeemed_at"] == NOW.isoformat()
    assert len(redemption_audit(session, coupon.id or 0)) == 1


def test_an_expired_coupon_is_gone_with_its_expiry(session: Session) -> None:
    ends = NOW - timedelta(minutes=1)
    coupon = _coupon(session, expires_at=ends)
    clerk = make_user(session)
    with pytest.raises(Gone) as caught:
        redeem(session, coupon.code, actor_user_id=clerk.id or 0, now=NOW)
    assert caught.value.extra["expires_at"] == ends.isoformat()
    assert "expired" in caught.value.message
    # also once the daily job has marked it
    assert expire_coupons(session, NOW) == 1
    with pytest.raises(Gone):
        redeem(session, coupon.code, actor_user_id=clerk.id or 0, now=NOW)


def test_the_expiry_instant_itself_is_too_late(session: Session) -> None:
    coupon = _coupon(session, expires_at=NOW)
    with pytest.raises(Gone):
        redeem(session, coupon.code, actor_user_id=make_user(session).id or 0, now=NOW)


def test_not_yet_valid(session: Session) -> None:
    coupon = _coupon(session, valid_from=NOW + timedelta(hours=2))
    with pytest.raises(Conflict, match="not valid before"):
        redeem(session, coupon.code, actor_user_id=make_user(session).id or 0, now=NOW)


def test_below_the_minimum_purchase_names_purchase_amount(session: Session) -> None:
    coupon = _coupon(session, kind="amount", value="50", min_purchase="200")
    clerk = make_user(session)
    for amount in (Decimal("199.99"), None):
        with pytest.raises(Invalid) as caught:
            redeem(session, coupon.code, purchase_amount=amount, actor_user_id=clerk.id or 0, now=NOW)
        assert caught.value.field == "purchase_amount" and "200.00" in caught.value.message
    done = redeem(session, coupon.code, purchase_amount=Decimal("200"), actor_user_id=clerk.id or 0, now=NOW)
    assert done.redeemed_discount == Decimal("50.00")


def test_unknown_and_malformed_codes(session: Session) -> None:
    clerk = make_user(session)
    with pytest.raises(NotFound):
        redeem(session, "2345-6789-ABC", actor_user_id=clerk.id or 0, now=NOW)
    with pytest.raises(Invalid) as caught:
        redeem(session, "2345-6789-AB0", actor_user_id=clerk.id or 0, now=NOW)
    assert caught.value.field == "code"


def test_an_unknown_store_is_refused_before_anything_changes(session: Session) -> None:
    coupon = _coupon(session)
    with pytest.raises(Invalid) as caught:
        redeem(session, coupon.code, store_id=999_999, actor_user_id=make_user(session).id or 0, now=NOW)
    assert caught.value.field == "store_id"
    session.refresh(coupon)
    assert coupon.status == CouponStatus.issued


def test_reversal_makes_the_coupon_usable_again_and_keeps_the_audit(session: Session) -> None:
    coupon = _coupon(session)
    clerk, manager = make_user(session), make_user(session, role="admin")
    redeem(session, coupon.code, purchase_amount=Decimal("100"), actor_user_id=clerk.id or 0, now=NOW)
    back = reverse_redemption(
        session,
        coupon.code,
        reason="wrong customer",
        actor_user_id=manager.id or 0,
        now=NOW + timedelta(minutes=1),
    )
    assert back.status == CouponStatus.issued
    assert back.redeemed_at is None and back.redeemed_discount is None
    later = NOW + timedelta(minutes=2)
    again = redeem(
        session, coupon.code, purchase_amount=Decimal("80"), actor_user_id=clerk.id or 0, now=later
    )
    assert again.redeemed_at == later and again.redeemed_discount == Decimal("12.00")
    audit = redemption_audit(session, coupon.id or 0)
    assert [(a.action, a.user_id, a.reason) for a in audit] == [
        ("redeem", clerk.id, None),
        ("reverse", manager.id, "wrong customer"),
        ("redeem", clerk.id, None),
    ]


def test_reversing_after_the_expiry_leaves_it_expired(session: Session) -> None:
    coupon = _coupon(session, expires_at=NOW + timedelta(hours=1))
    clerk = make_user(session)
    redeem(session, coupon.code, actor_user_id=clerk.id or 0, now=NOW)
    back = reverse_redemption(
        session, coupon.code, reason="refund", actor_user_id=clerk.id or 0, now=NOW + timedelta(hours=2)
    )
    assert back.status == CouponStatus.expired


def test_reversal_needs_a_redeemed_coupon_and_a_reason(session: Session) -> None:
    coupon = _coupon(session)
    clerk = make_user(session)
    with pytest.raises(Conflict, match="not redeemed"):
        reverse_redemption(session, coupon.code, reason="oops", actor_user_id=clerk.id or 0, now=NOW)
    redeem(session, coupon.code, actor_user_id=clerk.id or 0, now=NOW)
    with pytest.raises(Invalid) as caught:
        reverse_redemption(session, coupon.code, reason="  ", actor_user_id=clerk.id or 0, now=NOW)
    assert caught.value.field == "reason"
    assert [a.action for a in redemption_audit(session, coupon.id or 0)] == ["redeem"]


# ---- idempotency keys (service level; the HTTP contract is in tests/api/test_coupons_api.py) ---------------


def _redeem_once(session: Session, code: str, user_id: int, key: str, amount: str) -> Answer:
    def action() -> Answer:
        coupon = redeem(session, code, purchase_amount=Decimal(amount), actor_user_id=user_id, now=NOW)
        return Answer(200, {"discount": str(coupon.redeemed_discount)})

    return run_once(
        session,
        key=key,
        user_id=user_id,
        scope="coupon.redeem",
        request={"code": code, "a": amount},
        action=action,
    )


def test_a_repeated_key_returns_the_first_answer_and_redeems_once(session: Session) -> None:
    coupon = _coupon(session)
    clerk = make_user(session)
    first = _redeem_once(session, coupon.code, clerk.id or 0, "k-1", "100.00")
    again = _redeem_once(session, coupon.code, clerk.id or 0, "k-1", "100.00")
    assert (first.status_code, first.body, first.replayed) == (200, {"discount": "15.00"}, False)
    assert (again.status_code, again.body, again.replayed) == (200, {"discount": "15.00"}, True)
    assert len(redemption_audit(session, coupon.id or 0)) == 1
    with pytest.raises(Invalid) as caught:  # same key, another request
        _redeem_once(session, coupon.code, clerk.id or 0, "k-1", "90.00")
    assert caught.value.field == "Idempotency-Key"
    with pytest.raises(Conflict):  # a new key is a new attempt
        _redeem_once(session, coupon.code, clerk.id or 0, "k-2", "100.00")


def test_a_failed_attempt_leaves_the_key_free(session: Session) -> None:
    coupon = _coupon(session, min_purchase="150")
    clerk = make_user(session)
    with pytest.raises(Invalid):
        _redeem_once(session, coupon.code, clerk.id or 0, "k-3", "100.00")
    assert session.exec(select(IdempotencyKey)).all() == []
    # the same key, now with a corrected request, is a fresh first attempt
    assert _redeem_once(session, coupon.code, clerk.id or 0, "k-3", "150.00").status_code == 200


def test_keys_are_per_user(session: Session) -> None:
    first, second = _coupon(session), _coupon(session)
    one, two = make_user(session), make_user(session)
    assert _redeem_once(session, first.code, one.id or 0, "same", "100.00").status_code == 200
    assert _redeem_once(session, second.code, two.id or 0, "same", "100.00").status_code == 200


def test_old_keys_are_purged(session: Session) -> None:
    coupon = _coupon(session)
    clerk = make_user(session)
    _redeem_once(session, coupon.code, clerk.id or 0, "k-old", "100.00")
    assert purge_keys(session, utcnow_plus(days=1)) == 0
    assert purge_keys(session, utcnow_plus(days=3)) == 1


def utcnow_plus(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


# ---- races on PostgreSQL: real threads, one connection each ---------------------------------------------


def _committed_coupon(engine: Engine) -> tuple[str, list[int]]:
    with Session(engine) as session:
        coupon = _coupon(session)
        users = [make_user(session).id or 0 for _ in range(20)]
        session.commit()
        return coupon.code, users


def _race(engine: Engine, n: int, attempt: object) -> list[object]:
    barrier = threading.Barrier(n)
    outcomes: list[object] = [None] * n

    def run(i: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                barrier.wait()
                outcomes[i] = attempt(session, i)  # type: ignore[operator]
                session.commit()
            except DomainError as exc:
                session.rollback()
                outcomes[i] = exc
            except BaseException as exc:  # reported by the assertions
                outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@pytest.mark.postgres_only
def test_twenty_concurrent_redeemers_exactly_one_wins(committing_engine: Engine) -> None:
    code, users = _committed_coupon(committing_engine)

    def attempt(session: Session, i: int) -> Coupon:
        return redeem(session, code, purchase_amount=Decimal("100"), actor_user_id=users[i], now=NOW)

    outcomes = _race(committing_engine, 20, attempt)
    wins = [o for o in outcomes if isinstance(o, Coupon)]
    assert len(wins) == 1, outcomes
    assert all(isinstance(o, Conflict) and "already redeemed" in o.message for o in outcomes if o not in wins)
    with committing_engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(CouponRedemption.__table__)).scalar_one()
        winner = conn.execute(sa.text("SELECT redeemed_by_user_id FROM coupons WHERE code = :c"), {"c": code})
        assert rows == 1 and winner.scalar_one() == wins[0].redeemed_by_user_id  # type: ignore[union-attr]


@pytest.mark.postgres_only
def test_concurrent_retries_with_one_key_all_get_the_first_answer(committing_engine: Engine) -> None:
    code, users = _committed_coupon(committing_engine)

    def attempt(session: Session, _i: int) -> Answer:
        return _redeem_once(session, code, users[0], "retry-key", "100.00")

    outcomes = _race(committing_engine, 10, attempt)
    answers = [o for o in outcomes if isinstance(o, Answer)]
    assert len(answers) == 10, outcomes
    assert {(a.status_code, a.body["discount"]) for a in answers} == {(200, "15.00")}
    assert sum(not a.replayed for a in answers) == 1
    with committing_engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(CouponRedemption.__table__)).scalar_one()
    assert rows == 1
