"""Coupon codes (alphabet, entropy, format, normalization) and issuing (set-based, idempotent, collisions)."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loyalty.core.errors import Invalid
from loyalty.coupons import issuing
from loyalty.coupons.codes import ALPHABET, CODE_BITS, CODE_LENGTH, format_code, new_code, normalize_code
from loyalty.coupons.housekeeping import cancel_coupons, expire_coupons
from loyalty.coupons.issuing import issue_coupons
from loyalty.coupons.lookup import active_coupons
from loyalty.coupons.offers import Offer
from loyalty.models.coupons import Coupon, CouponStatus
from tests.builders import make_campaign_run, make_coupon, make_member

NOW = datetime(2026, 5, 25, 7, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=14)
OFFER = Offer("percent", Decimal("15"), Decimal("200"), valid_days=14, currency="TRY")

codes = st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH)


# ---- codes --------------------------------------------------------------------------------------------


def test_alphabet_has_no_look_alikes() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set("0O1IL") & set(ALPHABET)
    assert set(ALPHABET) == set("23456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") - set("0O1IL")


def test_codes_carry_at_least_50_bits() -> None:
    bits = CODE_LENGTH * math.log2(len(ALPHABET))
    assert bits >= 50
    assert len(ALPHABET) ** CODE_LENGTH >= 2**50
    assert len(ALPHABET) ** (CODE_LENGTH - 1) < 2**50  # so 10 characters would not be enough
    assert bits == pytest.approx(CODE_BITS)


def test_new_codes_use_the_whole_alphabet_and_do_not_repeat() -> None:
    drawn = [new_code() for _ in range(3000)]
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in drawn)
    assert len(set(drawn)) == len(drawn)
    counts = Counter("".join(drawn))
    assert set(counts) == set(ALPHABET)
    expected = 3000 * CODE_LENGTH / len(ALPHABET)  # ~1065 each; a skewed draw would be far off
    assert all(0.8 * expected < n < 1.2 * expected for n in counts.values())


def test_codes_are_shown_in_groups() -> None:
    assert format_code("7KQ4MZ2HXRA") == "7KQ4-MZ2H-XRA"
    assert format_code("7kq4-mz2h-xra") == "7KQ4-MZ2H-XRA"


@given(code=codes, lower=st.booleans(), separator=st.sampled_from(["-", " ", "", " - ", "\u2013"]))
def test_format_then_normalize_round_trips(code: str, lower: bool, separator: str) -> None:
    shown = format_code(code)
    assert len(shown) == CODE_LENGTH + 2 and shown.count("-") == 2
    typed = shown.replace("-", separator)
    typed = typed.lower() if lower else typed
    assert normalize_code(f"  {typed} ") == code


@pytest.mark.parametrize(
    ("typed", "named"),
    [("7KQ4-MZ2H-XR0", "'0'"), ("7KQ4-MZ2H-XRO", "'O'"), ("7KQ4-MZ2H-XR1", "'1'"), ("7kq4-mz2h-xri", "'I'")],
)
def test_look_alikes_are_rejected_naming_the_character(typed: str, named: str) -> None:
    with pytest.raises(Invalid) as caught:
        normalize_code(typed)
    assert caught.value.field == "code"
    assert named in caught.value.message and "never contain" in caught.value.message


@pytest.mark.parametrize("typed", ["", "   ", "7KQ4-MZ2H-XR", "7KQ4-MZ2H-XRAA", "7KQ4*MZ2H*XRA"])
def test_wrong_length_or_symbols_are_rejected(typed: str) -> None:
    with pytest.raises(Invalid) as caught:
        normalize_code(typed)
    assert caught.value.field == "code"


# ---- the offer ----------------------------------------------------------------------------------------


def test_offer_discounts() -> None:
    percent = Offer("percent", Decimal("15"), None, currency="TRY")
    assert percent.discount_for(Decimal("333.33")) == Decimal("50.00")  # 49.9995 rounds half up
    assert percent.discount_for(None) is None
    amount = Offer("amount", Decimal("50"), Decimal("200"), currency="TRY")
    assert amount.discount_for(Decimal("250.00")) == Decimal("50.00")
    assert amount.discount_for(Decimal("30.00")) == Decimal("30.00")  # never more than the purchase
    assert amount.discount_for(None) == Decimal("50.00")


@pytest.mark.parametrize(
    ("kind", "value", "minimum", "field"),
    [
        ("gift", "10", None, "offer.kind"),
        ("percent", "0", None, "offer.value"),
        ("percent", "101", None, "offer.value"),
        ("amount", "-5", None, "offer.value"),
        ("amount", "5", "-1", "offer.min_purchase"),
    ],
)
def test_offer_rejects_nonsense(kind: str, value: str, minimum: str | None, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        Offer(kind, Decimal(value), None if minimum is None else Decimal(minimum), currency="TRY")
    assert caught.value.field == field


# ---- issuing ------------------------------------------------------------------------------------------


def _members(session: Session, n: int) -> list[int]:
    return [make_member(session, f"Üye {i}").id or 0 for i in range(n)]


def _run_coupons(session: Session, run_id: int) -> list[Coupon]:
    session.expire_all()
    return list(session.exec(select(Coupon).where(Coupon.run_id == run_id).order_by(Coupon.member_id)))


def test_issue_one_coupon_per_member_with_the_offer_copied(session: Session) -> None:
    run = make_campaign_run(session)
    ids = _members(session, 25)
    count = issue_coupons(
        session,
        campaign_id=run.campaign_id,
        run_id=run.id,
        members=[(m, NOW, LATER) for m in ids],
        offer=OFFER,
    )
    assert count == 25
    issued = _run_coupons(session, run.id)
    assert [c.member_id for c in issued] == sorted(ids)
    assert len({c.code for c in issued}) == 25
    first = issued[0]
    assert len(first.code) == CODE_LENGTH and set(first.code) <= set(ALPHABET)
    assert (first.offer_kind, first.offer_value, first.min_purchase) == (
        "percent",
        Decimal("15"),
        Decimal("200"),
    )
    assert first.campaign_id == run.campaign_id and first.status == CouponStatus.issued
    assert (first.valid_from, first.expires_at) == (NOW, LATER)


def test_new_coupons_handed_back_are_the_rows_written(session: Session) -> None:
    """A run's first pass on PostgreSQL copies its coupons in with ids drawn beforehand and hands them back,
    so their messages are built without reading them back: what it hands back is what a read gives. A pass
    that took the staged path (a retry, SQLite) hands back nothing, and the caller reads."""
    run = make_campaign_run(session)
    ids = _members(session, 6)
    offer = Offer("amount", Decimal("50"), Decimal("200"), valid_days=14, currency="TRY")  # no cents given
    args = {"campaign_id": run.campaign_id, "run_id": run.id, "offer": offer}
    first = issuing.issue_coupon_rows(session, members=[(m, NOW, LATER) for m in ids[:4]], **args)
    assert first.count == 4
    read = session.execute(
        sa.select(
            Coupon.id,
            Coupon.code,
            Coupon.offer_kind,
            Coupon.offer_value,
            Coupon.min_purchase,
            Coupon.valid_from,
            Coupon.expires_at,
            Coupon.member_id,
            Coupon.occasion_id,
        )
        .where(Coupon.run_id == run.id)
        .order_by(Coupon.member_id)
    ).all()
    if session.get_bind().dialect.name == "postgresql":
        assert first.coupons == [tuple(row) for row in read]
        assert {(str(c[3]), str(c[4])) for c in first.coupons} == {("50.00", "200.00")}  # numeric(12, 2)
    else:
        assert first.coupons is None
    again = issuing.issue_coupon_rows(session, members=[(m, NOW, LATER) for m in ids], **args)
    assert (again.count, again.coupons) == (2, None)  # two were there: the staged path


def test_issuing_again_issues_nothing_twice(session: Session) -> None:
    run = make_campaign_run(session)
    ids = _members(session, 10)
    rows = [(m, NOW, LATER) for m in ids]
    assert (
        issue_coupons(session, campaign_id=run.campaign_id, run_id=run.id, members=rows[:6], offer=OFFER) == 6
    )
    before = {c.member_id: c.code for c in _run_coupons(session, run.id)}
    # a retry after a crash: the whole audience again (plus a duplicate in the input)
    again = issue_coupons(
        session, campaign_id=run.campaign_id, run_id=run.id, members=[*rows, rows[0]], offer=OFFER
    )
    assert again == 4
    after = {c.member_id: c.code for c in _run_coupons(session, run.id)}
    assert len(after) == 10
    assert {m: after[m] for m in before} == before  # nobody's code changed
    assert issue_coupons(session, campaign_id=run.campaign_id, run_id=run.id, members=rows, offer=OFFER) == 0


def test_another_run_gets_its_own_coupons(session: Session) -> None:
    first, second = make_campaign_run(session), make_campaign_run(session)
    [member] = _members(session, 1)
    for run in (first, second):
        assert (
            issue_coupons(
                session,
                campaign_id=run.campaign_id,
                run_id=run.id,
                members=[(member, NOW, LATER)],
                offer=OFFER,
            )
            == 1
        )
    assert len(_run_coupons(session, first.id)) == len(_run_coupons(session, second.id)) == 1


def _scripted(first: list[str]) -> Iterator[str]:
    yield from first
    while True:
        yield new_code()


def test_a_code_collision_is_redrawn_not_fatal(session: Session) -> None:
    taken = make_coupon(session, make_member(session)).code
    run = make_campaign_run(session)
    ids = _members(session, 4)
    # the first two draws hit an existing code, the next two collide with each other
    source = _scripted([taken, taken, "ABCDEFGHJKM", "ABCDEFGHJKM"])
    count = issue_coupons(
        session,
        campaign_id=run.campaign_id,
        run_id=run.id,
        members=[(m, NOW, LATER) for m in ids],
        offer=OFFER,
        code_source=lambda: next(source),
    )
    assert count == 4
    issued = _run_coupons(session, run.id)
    assert len(issued) == 4
    assert taken not in {c.code for c in issued}
    assert len({c.code for c in issued}) == 4
    assert [c.code for c in issued].count("ABCDEFGHJKM") == 1


def test_issuing_in_several_chunks(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(issuing, "ISSUE_CHUNK", 7)
    run = make_campaign_run(session)
    ids = _members(session, 30)
    rows = ((m, NOW, LATER) for m in ids)  # a generator: the audience may be streamed
    assert issue_coupons(session, campaign_id=run.campaign_id, run_id=run.id, members=rows, offer=OFFER) == 30
    assert len(_run_coupons(session, run.id)) == 30


def test_a_run_without_coupons_is_not_looked_up_per_chunk(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, whether the run has any coupon is asked once per transaction, instead of reading each
    chunk's members' coupons (every coupon they ever had, in every run). A later pass in the same
    transaction over members who have theirs still issues nothing twice, on both databases (PostgreSQL:
    the COPY fails on the run's unique index and the chunk is staged)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    monkeypatch.setattr(issuing, "ISSUE_CHUNK", 7)
    old_run, run = make_campaign_run(session), make_campaign_run(session)
    ids = _members(session, 30)
    args = {"campaign_id": run.campaign_id, "offer": OFFER}
    issue_coupons(session, run_id=old_run.id, members=[(m, NOW, LATER) for m in ids], **args)
    asked: Counter[str] = Counter()

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        for name, text in (("run", "SELECT EXISTS"), ("members", "member_id = ANY")):
            asked[name] += text in statement

    sa.event.listen(session.connection(), "before_cursor_execute", count)
    assert issue_coupons(session, run_id=run.id, members=[(m, NOW, LATER) for m in ids[:20]], **args) == 20
    if postgres:  # SQLite's path keeps its look-up per call
        assert asked == {"run": 1, "members": 0}  # three chunks, one question
    again = issue_coupons(session, run_id=run.id, members=[(m, NOW, LATER) for m in ids], **args)
    assert again == 10 and len(_run_coupons(session, run.id)) == 30
    assert len({c.code for c in _run_coupons(session, run.id)}) == 30


def test_naive_datetimes_are_refused(session: Session) -> None:
    run = make_campaign_run(session)
    [member] = _members(session, 1)
    with pytest.raises(ValueError, match="aware"):
        issue_coupons(
            session,
            campaign_id=run.campaign_id,
            run_id=run.id,
            members=[(member, NOW.replace(tzinfo=None), LATER)],
            offer=OFFER,
        )


@pytest.mark.postgres_only
def test_two_workers_issuing_one_run_give_each_member_exactly_one_coupon(committing_engine: Engine) -> None:
    with Session(committing_engine) as session:
        run = make_campaign_run(session)
        ids = _members(session, 2000)
        campaign_id, run_id = run.campaign_id, run.id
        session.commit()
    rows = [(m, NOW, LATER) for m in ids]
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker(audience: list[tuple[int, datetime, datetime]]) -> None:
        try:
            with Session(committing_engine) as session:
                barrier.wait()
                results.append(
                    issue_coupons(
                        session, campaign_id=campaign_id, run_id=run_id, members=audience, offer=OFFER
                    )
                )
                session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(rows,)),
        threading.Thread(target=worker, args=(rows[::-1],)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(results) == 2000
    with committing_engine.connect() as conn:
        per_member = conn.execute(
            sa.text("SELECT member_id, count(*) FROM coupons WHERE run_id = :r GROUP BY member_id"),
            {"r": run_id},
        ).all()
    assert len(per_member) == 2000 and {n for _m, n in per_member} == {1}


# ---- expiry, cancellation, active list ----------------------------------------------------------------


def test_expire_marks_only_coupons_past_their_expiry(session: Session) -> None:
    member = make_member(session)
    old = make_coupon(
        session, member, valid_from=NOW - timedelta(days=20), expires_at=NOW - timedelta(seconds=1)
    )
    fresh = make_coupon(session, member, valid_from=NOW, expires_at=LATER)
    assert expire_coupons(session, NOW) == 1
    session.refresh(old)
    session.refresh(fresh)
    assert (old.status, fresh.status) == (CouponStatus.expired, CouponStatus.issued)
    assert expire_coupons(session, NOW) == 0


def test_active_coupons_are_the_usable_ones_soonest_first(session: Session) -> None:
    member, other = make_member(session), make_member(session)
    late = make_coupon(
        session, member, valid_from=NOW - timedelta(days=1), expires_at=NOW + timedelta(days=9)
    )
    soon = make_coupon(
        session, member, valid_from=NOW - timedelta(days=1), expires_at=NOW + timedelta(days=2)
    )
    make_coupon(session, member, valid_from=NOW - timedelta(days=9), expires_at=NOW - timedelta(days=1))
    make_coupon(session, member, valid_from=NOW + timedelta(days=1), expires_at=NOW + timedelta(days=5))
    make_coupon(session, other, valid_from=NOW - timedelta(days=1), expires_at=NOW + timedelta(days=5))
    cancelled = make_coupon(session, member, valid_from=NOW - timedelta(days=1), expires_at=LATER)
    assert cancel_coupons(session, run_id=cancelled.run_id) == 1
    assert [c.id for c in active_coupons(session, member.id or 0, NOW)] == [soon.id, late.id]
