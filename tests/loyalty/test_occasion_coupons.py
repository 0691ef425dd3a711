"""Each occasion's coupon is issued for its own occasion (issue 19 point 3): a member's own birthday and her
daughter's on one day are two coupons and two messages, each naming its occasion; two members born on one
date each get theirs; a holiday campaign still issues one per member; exactly once on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loyalty.campaigns.running import run_campaign
from loyalty.coupons.issuing import issue_coupons
from loyalty.coupons.offers import Offer
from loyalty.models.campaigns import CampaignRun, RunStatus
from loyalty.models.coupons import Coupon
from loyalty.models.messages import Message
from tests.builders import SHOP, make_birthday_campaign_run, make_campaign_run, make_member, make_occasion

NOW = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # 08:00 in Istanbul
LATER = NOW + timedelta(days=14)
OFFER = Offer("percent", Decimal("15"), None, valid_days=14, currency="TRY")


def _coupons(session: Session, run_id: int) -> list[Coupon]:
    session.expire_all()
    query = select(Coupon).where(Coupon.run_id == run_id).order_by(Coupon.member_id, Coupon.occasion_id)  # type: ignore[arg-type]
    return list(session.exec(query))


def test_a_member_and_her_daughter_born_on_one_day_each_get_a_coupon(session: Session) -> None:
    mother = make_member(session, "Zeynep Kaya")
    own = make_occasion(session, mother, for_whom="self", purpose="doğum günüm")
    daughter = make_occasion(session, mother, for_whom="kızım Elif", purpose="kızımın doğum günü")
    neighbour = make_member(session, "Deniz Ak")  # born on the same date: hers is her own
    hers = make_occasion(session, neighbour, for_whom="self", purpose="doğum günüm")
    make_occasion(session, make_member(session, "Can Demir"), day=5)  # her own birthday, another day
    run = make_birthday_campaign_run(session, now=NOW)
    result = run_campaign(session, run.id or 0, NOW, SHOP)
    assert result.status == "done"
    coupons = _coupons(session, run.id or 0)
    assert [(c.member_id, c.occasion_id) for c in coupons] == [
        (mother.id, own.id),
        (mother.id, daughter.id),
        (neighbour.id, hers.id),
    ]
    assert len({c.code for c in coupons}) == 3
    assert (result.targeted, result.coupons_issued, result.messages_queued) == (2, 3, 3)
    messages = session.exec(select(Message).where(Message.run_id == run.id)).all()
    by_coupon = {m.coupon_id: m for m in messages}
    assert {c.id: c.occasion_id for c in coupons} == {cid: m.occasion_id for cid, m in by_coupon.items()}
    daughters = next(m for m in messages if m.occasion_id == daughter.id)
    assert daughters.purpose == "birthday_relative"
    assert next(m for m in messages if m.occasion_id == own.id).purpose == "birthday_self"


def test_a_rerun_issues_and_queues_nothing_twice(session: Session) -> None:
    mother = make_member(session, "Zeynep Kaya")
    make_occasion(session, mother, for_whom="self", purpose="doğum günüm")
    make_occasion(session, mother, for_whom="kızım Elif", purpose="kızımın doğum günü")
    run = make_birthday_campaign_run(session, now=NOW)
    run_campaign(session, run.id or 0, NOW, SHOP)
    before = {(c.occasion_id, c.code) for c in _coupons(session, run.id or 0)}
    # a worker died after the run was marked done but the lease ran out: it is run again
    session.execute(
        sa.update(CampaignRun).where(CampaignRun.id == run.id).values(status=RunStatus.running.value)
    )  # type: ignore[arg-type]
    again = run_campaign(session, run.id or 0, NOW + timedelta(minutes=20), SHOP)
    assert again.coupons_issued == 2
    assert {(c.occasion_id, c.code) for c in _coupons(session, run.id or 0)} == before
    count = sa.select(sa.func.count()).select_from(Message).where(Message.run_id == run.id)  # type: ignore[arg-type]
    assert session.execute(count).scalar_one() == 2


def test_issuing_per_occasion_is_exactly_once(session: Session) -> None:
    run = make_campaign_run(session)
    member = make_member(session).id or 0
    other = make_member(session).id or 0
    rows = [(member, NOW, LATER, 11), (member, NOW, LATER, 12), (other, NOW, LATER, 13)]
    args = {"campaign_id": run.campaign_id, "run_id": run.id, "offer": OFFER}
    assert issue_coupons(session, members=rows[:2], **args) == 2  # PostgreSQL: the COPY path
    assert issue_coupons(session, members=[*rows, rows[0]], **args) == 1  # the staged path, a duplicate
    assert issue_coupons(session, members=rows, **args) == 0
    coupons = _coupons(session, run.id)
    assert [(c.member_id, c.occasion_id) for c in coupons] == [(member, 11), (member, 12), (other, 13)]


def test_a_holiday_run_still_issues_one_coupon_per_member(session: Session) -> None:
    run = make_campaign_run(session)
    member = make_member(session).id or 0
    args = {"campaign_id": run.campaign_id, "run_id": run.id, "offer": OFFER}
    assert issue_coupons(session, members=[(member, NOW, LATER)], **args) == 1
    assert issue_coupons(session, members=[(member, NOW, LATER), (member, NOW, LATER, None)], **args) == 0
    assert len(_coupons(session, run.id)) == 1


@pytest.mark.parametrize("occasion_id", [None, 7])
def test_the_database_refuses_a_second_coupon_for_one_occasion(
    session: Session, occasion_id: int | None
) -> None:
    run = make_campaign_run(session)
    member = make_member(session).id or 0
    values = {
        "campaign_id": run.campaign_id,
        "run_id": run.id,
        "member_id": member,
        "occasion_id": occasion_id,
        "offer_kind": "percent",
        "offer_value": Decimal("15"),
        "currency": "TRY",
        "valid_from": NOW,
        "expires_at": LATER,
    }
    session.add(Coupon(**values, code="AAAABBBBCCCC"))  # type: ignore[arg-type]
    session.flush()
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.add(Coupon(**values, code="DDDDEEEEFFFF"))  # type: ignore[arg-type]
        session.flush()


@pytest.mark.postgres_only
def test_two_workers_issue_each_occasion_once(committing_engine: Engine) -> None:
    with Session(committing_engine) as session:
        run = make_campaign_run(session)
        ids = [make_member(session, f"Üye {i}").id or 0 for i in range(300)]
        campaign_id, run_id = run.campaign_id, run.id
        session.commit()
    rows = [(m, NOW, LATER, 10_000 + m * 2 + k) for m in ids for k in (0, 1)]
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker(audience: list[tuple[int, datetime, datetime, int]]) -> None:
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

    threads = [threading.Thread(target=worker, args=(r,)) for r in (rows, rows[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and sum(results) == 600
    with committing_engine.connect() as conn:
        per_occasion = conn.execute(
            sa.text("SELECT occasion_id, count(*) FROM coupons WHERE run_id = :r GROUP BY occasion_id"),
            {"r": run_id},
        ).all()
    assert len(per_occasion) == 600 and {n for _o, n in per_occasion} == {1}
