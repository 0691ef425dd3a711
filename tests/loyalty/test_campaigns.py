"""Campaigns: schedule arithmetic (bayrams that move, time zones, DST), runs, yearly roll, idempotency."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loyalty.campaigns.lifecycle import campaign_runs, cancel_campaign, create_campaign, schedule_campaign
from loyalty.campaigns.running import claim_due_runs, run_campaign
from loyalty.campaigns.schedule import RUN_LEASE, issue_at_for, member_send_instant
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.campaigns.stats import campaign_stats
from loyalty.campaigns.triggers.registry import upcoming_runs
from loyalty.campaigns.views import campaign_detail, campaign_public
from loyalty.core.errors import Conflict, Invalid
from loyalty.coupons.redeeming import redeem
from loyalty.members.consent import record_consent
from loyalty.models.campaigns import Campaign, CampaignRun
from loyalty.models.cards import Card, CardStatus
from loyalty.models.coupons import Coupon
from loyalty.models.messages import Message
from loyalty.models.occasions import Occasion
from tests.builders import SHOP, make_member, make_user

JAN_2026 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def kurban(**overrides: Any) -> CampaignCreate:
    body: dict[str, Any] = {
        "name": "Kurban Bayramı %15",
        "trigger": {
            "type": "holiday",
            "holiday_key": "kurban_bayrami",
            "days_before": 2,
            "send_time": "10:00",
        },
        "audience": {"card_holders_only": True},
        "offer": {"kind": "percent", "value": "15", "valid_days": 7},
        "channel": "sms",
    }
    body.update(overrides)
    return CampaignCreate.model_validate(body)


def create(session: Session, data: CampaignCreate, now: datetime = JAN_2026) -> Campaign:
    return create_campaign(session, data, actor="user:mk", now=now, settings=SHOP)


def runs_of(session: Session, campaign: Campaign) -> list[CampaignRun]:
    return campaign_runs(session, campaign.id or 0)


def give_card(session: Session, member_id: int) -> None:
    session.add(
        Card(member_id=member_id, number=f"4{member_id:015d}", holder_name="X", status=CardStatus.active)
    )
    session.flush()


# ---- schedule arithmetic ------------------------------------------------------------------------------


def test_every_year_two_days_before_kurban_bayrami_2026_and_2027(session: Session) -> None:
    campaign = create(session, kurban())
    (run,) = runs_of(session, campaign)
    assert (run.run_key, run.send_date, run.send_time) == (
        "2026",
        date(2026, 5, 25),
        "10:00",
    )  # bayram 27 May
    # the earliest zone (UTC+14) reaches 10:00 on 25 May at 20:00 UTC on 24 May
    assert run.issue_at == datetime(2026, 5, 24, 20, 0, tzinfo=UTC)
    view = campaign_public(session, campaign, timezone_name="Europe/Istanbul")
    assert view.scheduled_for == datetime(2026, 5, 25, 7, 0, tzinfo=UTC)  # 10:00 Istanbul (UTC+3)
    assert view.scheduled_local == "2026-05-25T10:00 Europe/Istanbul"

    planned = upcoming_runs(session, campaign, now=JAN_2026, count=2, timezone_name="Europe/Istanbul")
    assert [(r.run_key, r.send_date) for r in planned] == [
        ("2026", date(2026, 5, 25)),
        ("2027", date(2027, 5, 14)),
    ]
    # the Hijri bayram moved 11 days earlier: 16 May 2027 per the holidays package, minus 2 days


def test_a_yearly_campaign_created_after_this_years_send_starts_next_year(session: Session) -> None:
    campaign = create(session, kurban(), now=datetime(2026, 5, 25, 7, 0, 1, tzinfo=UTC))
    (run,) = runs_of(session, campaign)
    assert (run.run_key, run.send_date) == ("2027", date(2027, 5, 14))


def test_a_one_year_campaign_in_the_past_is_refused(session: Session) -> None:
    data = kurban(
        trigger={"type": "holiday", "holiday_key": "kurban_bayrami", "year": 2026, "days_before": 2}
    )
    with pytest.raises(Invalid) as err:
        create(session, data, now=datetime(2026, 6, 1, tzinfo=UTC))
    assert err.value.field == "trigger.year"
    ok = create(session, data)
    assert [r.run_key for r in runs_of(session, ok)] == ["2026"]


def test_members_get_ten_oclock_in_their_own_zone(session: Session) -> None:
    run = CampaignRun(
        campaign_id=1, run_key="2026", send_date=date(2026, 5, 25), send_time="10:00", issue_at=JAN_2026
    )
    assert member_send_instant(run, "Europe/Istanbul") == datetime(2026, 5, 25, 7, 0, tzinfo=UTC)
    assert member_send_instant(run, "Europe/London") == datetime(2026, 5, 25, 9, 0, tzinfo=UTC)  # BST
    assert member_send_instant(run, "America/New_York") == datetime(2026, 5, 25, 14, 0, tzinfo=UTC)  # EDT
    winter = CampaignRun(
        campaign_id=1, run_key="x", send_date=date(2026, 12, 29), send_time="10:00", issue_at=JAN_2026
    )
    assert member_send_instant(winter, "Europe/London") == datetime(2026, 12, 29, 10, 0, tzinfo=UTC)  # GMT
    assert member_send_instant(winter, "America/New_York") == datetime(2026, 12, 29, 15, 0, tzinfo=UTC)  # EST
    # an unknown zone falls back to the shop's
    assert member_send_instant(run, "Mars/Olympus") == datetime(2026, 5, 25, 7, 0, tzinfo=UTC)
    # every zone's instant comes at or after issue_at (UTC+14 is the earliest)
    issue = issue_at_for(run.send_date, run.send_time)
    for zone in ("Pacific/Kiritimati", "Pacific/Auckland", "Asia/Tokyo", "Pacific/Pago_Pago", "Etc/GMT+12"):
        assert member_send_instant(run, zone) >= issue


def test_dst_gap_and_overlap_are_resolved_sensibly() -> None:
    # London springs forward 01:00 -> 02:00 on 29 Mar 2026: 01:30 does not exist; sent as 02:30 BST
    gap = CampaignRun(
        campaign_id=1, run_key="x", send_date=date(2026, 3, 29), send_time="01:30", issue_at=JAN_2026
    )
    assert member_send_instant(gap, "Europe/London") == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # New York falls back 02:00 -> 01:00 on 1 Nov 2026: 01:30 happens twice; the first one (EDT) is used
    overlap = CampaignRun(
        campaign_id=1, run_key="x", send_date=date(2026, 11, 1), send_time="01:30", issue_at=JAN_2026
    )
    assert member_send_instant(overlap, "America/New_York") == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"trigger": {"type": "holiday", "holiday_key": "no_such_day", "days_before": 2}},
            "trigger.holiday_key",
        ),
        (
            {"trigger": {"type": "holiday", "holiday_key": "kurban_bayrami", "send_time": "25:00"}},
            "trigger.send_time",
        ),
        (
            {"trigger": {"type": "holiday", "holiday_key": "kurban_bayrami", "send_time": "9"}},
            "trigger.send_time",
        ),
        (
            {"trigger": {"type": "holiday", "holiday_key": "kurban_bayrami", "days_before": -1}},
            "trigger.days_before",
        ),
        ({"trigger": {"type": "date", "send_at": "2025-12-31T10:00"}}, "trigger.send_at"),
        ({"trigger": {"type": "date", "send_at": "tomorrow"}}, "trigger.send_at"),
        ({"trigger": {"type": "occasion", "kinds": ["moon_landing"]}}, "trigger.kinds"),
        ({"offer": {"kind": "percent", "value": "150", "valid_days": 7}}, "offer.value"),
        ({"offer": {"kind": "amount", "value": "0", "valid_days": 7}}, "offer.value"),
        ({"offer": {"kind": "amount", "value": "50", "valid_days": 0}}, "offer.valid_days"),
        ({"template": "nope"}, "template"),
        ({"name": "  "}, "name"),
    ],
)
def test_validation_names_the_field(session: Session, change: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as err:
        create(session, kurban(**change))
    assert err.value.field == field


def test_date_trigger_is_one_fixed_local_time(session: Session) -> None:
    campaign = create(session, kurban(trigger={"type": "date", "send_at": "2026-02-14T09:30"}))
    (run,) = runs_of(session, campaign)
    assert (run.run_key, run.send_date, run.send_time) == ("once", date(2026, 2, 14), "09:30")
    assert campaign_public(session, campaign, timezone_name="Europe/Istanbul").scheduled_for == datetime(
        2026, 2, 14, 6, 30, tzinfo=UTC
    )


# ---- running -------------------------------------------------------------------------------------------


def _due(run: CampaignRun) -> datetime:
    return run.issue_at + timedelta(minutes=1)


def test_run_issues_per_zone_rolls_to_next_year_and_is_idempotent(session: Session) -> None:
    istanbul = make_member(session, timezone="Europe/Istanbul")
    london = make_member(session, timezone="Europe/London", locale="en")
    new_york = make_member(session, timezone="America/New_York", locale="en")
    no_card = make_member(session)
    for m in (istanbul, london, new_york):
        give_card(session, m.id or 0)
    campaign = create(session, kurban())
    (run,) = runs_of(session, campaign)

    assert claim_due_runs(session, run.issue_at - timedelta(seconds=1)) == []
    now = _due(run)
    assert claim_due_runs(session, now) == [run.id]
    assert claim_due_runs(session, now) == []  # claimed once
    result = run_campaign(session, run.id or 0, now, SHOP)
    assert (result.status, result.targeted, result.coupons_issued) == ("done", 3, 3)

    coupons = {c.member_id: c for c in session.exec(select(Coupon).where(Coupon.run_id == run.id))}
    assert no_card.id not in coupons
    assert coupons[istanbul.id or 0].valid_from == datetime(2026, 5, 25, 7, 0, tzinfo=UTC)
    assert coupons[london.id or 0].valid_from == datetime(2026, 5, 25, 9, 0, tzinfo=UTC)
    assert coupons[new_york.id or 0].valid_from == datetime(2026, 5, 25, 14, 0, tzinfo=UTC)
    # good through the END of its last day (1 June), in each member's zone: the next local midnight
    assert coupons[london.id or 0].expires_at == datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    assert coupons[istanbul.id or 0].expires_at == datetime(2026, 6, 1, 21, 0, tzinfo=UTC)
    assert coupons[new_york.id or 0].expires_at == datetime(2026, 6, 2, 4, 0, tzinfo=UTC)
    messages = session.exec(select(Message).where(Message.run_id == run.id)).all()
    assert {m.member_id for m in messages} == set(coupons)
    assert {m.not_before for m in messages} == {c.valid_from for c in coupons.values()}

    # the yearly roll: 2027's own bayram date, 2 days before, and the campaign is scheduled again
    keys = [(r.run_key, r.send_date, r.status) for r in runs_of(session, campaign)]
    assert keys == [("2026", date(2026, 5, 25), "done"), ("2027", date(2027, 5, 14), "scheduled")]
    assert result.next_run_id == runs_of(session, campaign)[1].id
    assert session.get(Campaign, campaign.id).status == "scheduled"  # type: ignore[union-attr]

    # run again (a redelivered task) and after a crash left it 'running': nothing twice
    assert run_campaign(session, run.id or 0, now, SHOP).status == "already_done"
    session.execute(sa.update(CampaignRun).where(CampaignRun.id == run.id).values(status="running"))  # type: ignore[arg-type]
    session.expire_all()
    again = run_campaign(session, run.id or 0, now + timedelta(hours=1), SHOP)
    assert (again.status, again.coupons_issued) == ("done", 3)
    assert session.exec(select(sa.func.count()).select_from(Coupon).where(Coupon.run_id == run.id)).one() == 3
    assert len(session.exec(select(Message).where(Message.run_id == run.id)).all()) == 3
    assert len(runs_of(session, campaign)) == 2


def test_a_stale_running_run_is_claimed_again(session: Session) -> None:
    campaign = create(session, kurban())
    (run,) = runs_of(session, campaign)
    now = _due(run)
    assert claim_due_runs(session, now) == [run.id]
    assert claim_due_runs(session, now + timedelta(minutes=5)) == []
    assert claim_due_runs(session, now + RUN_LEASE + timedelta(seconds=1)) == [run.id]


def test_a_draft_is_not_sent_until_scheduled(session: Session) -> None:
    make_member(session)
    campaign = create(session, kurban(audience={}, draft=True))
    assert campaign.status == "draft"
    (run,) = runs_of(session, campaign)
    assert claim_due_runs(session, _due(run)) == []
    assert run_campaign(session, run.id or 0, _due(run), SHOP).status == "not_due"
    schedule_campaign(session, campaign.id or 0, now=JAN_2026, settings=SHOP)
    assert campaign.status == "scheduled"
    assert claim_due_runs(session, _due(run)) == [run.id]
    with pytest.raises(Conflict):
        schedule_campaign(session, campaign.id or 0, now=JAN_2026, settings=SHOP)


def test_a_draft_scheduled_after_its_date_moves_to_next_year(session: Session) -> None:
    campaign = create(session, kurban(draft=True))
    schedule_campaign(session, campaign.id or 0, now=datetime(2026, 6, 1, tzinfo=UTC), settings=SHOP)
    assert [(r.run_key, r.send_date) for r in runs_of(session, campaign)] == [("2027", date(2027, 5, 14))]


def test_cancel_stops_runs(session: Session) -> None:
    make_member(session)
    campaign = create(session, kurban(audience={}))
    (run,) = runs_of(session, campaign)
    cancel_campaign(session, campaign.id or 0, actor="user:mk", now=JAN_2026)
    assert [r.status for r in runs_of(session, campaign)] == ["cancelled"]
    assert claim_due_runs(session, _due(run)) == []
    assert run_campaign(session, run.id or 0, _due(run), SHOP).status == "cancelled"
    assert session.exec(select(Coupon).where(Coupon.run_id == run.id)).first() is None
    assert cancel_campaign(session, campaign.id or 0, actor="user:mk").status == "cancelled"


def test_cancel_cancels_messages_not_yet_sent(session: Session) -> None:
    make_member(session)
    campaign = create(session, kurban(audience={}))
    (run,) = runs_of(session, campaign)
    assert run_campaign(session, run.id or 0, _due(run), SHOP).messages_queued == 1
    queued = session.exec(select(Message).where(Message.campaign_id == campaign.id)).one()
    assert queued.state == "queued"
    cancel_campaign(session, campaign.id or 0, actor="user:mk", now=_due(run))
    session.refresh(queued)
    assert queued.state == "cancelled" and "campaign cancelled" in (queued.error_message or "")


def test_a_done_one_off_campaign_cannot_be_cancelled(session: Session) -> None:
    campaign = create(session, kurban(trigger={"type": "date", "send_at": "2026-02-14T09:30"}, audience={}))
    (run,) = runs_of(session, campaign)
    result = run_campaign(session, run.id or 0, _due(run), SHOP)
    assert result.status == "done" and result.next_run_id is None
    assert session.get(Campaign, campaign.id).status == "done"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        cancel_campaign(session, campaign.id or 0, actor="user:mk")


def test_a_run_not_yet_due_does_nothing(session: Session) -> None:
    make_member(session)
    campaign = create(session, kurban(audience={}))
    (run,) = runs_of(session, campaign)
    assert run_campaign(session, run.id or 0, run.issue_at - timedelta(hours=1), SHOP).status == "not_due"
    assert session.exec(select(Coupon).where(Coupon.run_id == run.id)).first() is None


def test_occasion_campaign_runs_daily_for_occasions_days_before_ahead(session: Session) -> None:
    now = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # 08:00 in Istanbul
    due_mom = make_member(session, "Zeynep Kaya")
    retired = make_member(session, "Can Demir")
    other_day = make_member(session, "Deniz Ak")
    for member, day, status in ((due_mom, 4, "active"), (retired, 4, "active"), (other_day, 5, "active")):
        session.add(
            Occasion(
                member_id=member.id or 0,
                kind="birthday",
                for_whom="self",
                purpose="doğum günüm",
                month=3,
                day=day,
                recurrence="yearly",
                stated_by="member",
                status=status,
            )
        )
    session.flush()
    session.execute(sa.update(Occasion).where(Occasion.member_id == retired.id).values(status="retired"))  # type: ignore[arg-type]
    data = kurban(
        trigger={"type": "occasion", "kinds": ["birthday"], "days_before": 3, "send_time": "10:00"},
        audience={},
    )
    campaign = create(session, data, now=now)
    (run,) = runs_of(session, campaign)
    assert (run.run_key, run.send_date) == ("2026-03-01", date(2026, 3, 1))
    result = run_campaign(session, run.id or 0, now, SHOP)
    assert result.status == "done"
    issued = {c.member_id for c in session.exec(select(Coupon).where(Coupon.run_id == run.id))}
    assert issued == {due_mom.id}  # birthday on 4 March = 3 days ahead; the retired one never
    assert [r.run_key for r in runs_of(session, campaign)] == ["2026-03-01", "2026-03-02"]
    nxt = runs_of(session, campaign)[1]
    run_campaign(session, nxt.id or 0, _due(nxt), SHOP)
    assert {c.member_id for c in session.exec(select(Coupon).where(Coupon.run_id == nxt.id))} == {
        other_day.id
    }


def test_results_count_coupons_messages_and_redemptions(session: Session) -> None:
    members = [make_member(session) for _ in range(4)]
    campaign = create(session, kurban(audience={}))
    (run,) = runs_of(session, campaign)
    run_campaign(session, run.id or 0, _due(run), SHOP)
    coupon = session.exec(select(Coupon).where(Coupon.member_id == members[0].id)).one()
    staff = make_user(session)
    redeem(
        session,
        coupon.code,
        purchase_amount=Decimal("200.00"),
        store_id=None,
        actor_user_id=staff.id or 0,
        now=datetime(2026, 5, 26, 9, 0, tzinfo=UTC),
    )
    stats = campaign_stats(session, campaign.id or 0, timezone_name="Europe/Istanbul")
    assert (stats.targeted, stats.coupons, stats.redeemed) == (4, 4, 1)
    assert stats.redemption_rate == 0.25 and stats.revenue == Decimal("200.00")
    assert stats.sent == 0 and stats.failed == 0  # queued, not yet sent
    by_day = {d.day: d for d in stats.per_day}
    assert by_day[date(2026, 5, 25)].coupons == 4
    assert by_day[date(2026, 5, 26)].redeemed == 1 and by_day[date(2026, 5, 26)].revenue == Decimal("200.00")
    detail = campaign_detail(session, campaign.id or 0, now=_due(run), timezone_name="Europe/Istanbul")
    # the 2026 run has run, but its four messages still wait: "sending" until each has a fate (issue 22)
    assert [(r.run_key, r.status) for r in detail.runs] == [("2026", "sending"), ("2027", "scheduled")]


@pytest.mark.postgres_only
def test_two_workers_never_claim_the_same_run(committing_engine: Engine) -> None:
    with Session(committing_engine) as session:
        ids = set()
        for i in range(6):
            c = create(
                session, kurban(name=f"c{i}", trigger={"type": "date", "send_at": f"2026-02-{10 + i}T10:00"})
            )
            ids |= {r.id for r in runs_of(session, c)}
        session.commit()
    now = datetime(2026, 3, 1, tzinfo=UTC)
    barrier = threading.Barrier(4)
    claimed: list[list[int]] = []

    def worker() -> None:
        with Session(committing_engine) as s:
            barrier.wait()
            got = claim_due_runs(s, now, limit=2)
            s.commit()
            claimed.append(got)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [i for got in claimed for i in got]
    assert len(flat) == len(set(flat)) == 6 and set(flat) == ids


@pytest.mark.postgres_only
def test_the_same_run_in_two_workers_at_once_issues_each_coupon_once(committing_engine: Engine) -> None:
    with Session(committing_engine) as session:
        for _ in range(300):
            make_member(session)
        campaign = create(session, kurban(audience={}))
        (run,) = runs_of(session, campaign)
        run_id, now, campaign_id = run.id or 0, _due(run), campaign.id or 0
        session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        with Session(committing_engine) as s:
            barrier.wait()
            outcomes.append(run_campaign(s, run_id, now, SHOP).status)
            s.commit()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_done", "done"]
    with Session(committing_engine) as session:
        coupons = session.exec(
            select(sa.func.count()).select_from(Coupon).where(Coupon.run_id == run_id)
        ).one()
        messages = session.exec(
            select(sa.func.count()).select_from(Message).where(Message.run_id == run_id)
        ).one()
        assert coupons == messages == 300
        keys = [r.run_key for r in campaign_runs(session, campaign_id)]
        assert keys == ["2026", "2027"]


def test_a_rerun_never_gives_a_coupon_a_second_message_on_the_other_channel(session: Session) -> None:
    """ "preferred" resolves at queueing time: after a consent change a re-run would resolve differently,
    and the (channel, dedupe key) constraint alone would then allow a second message for the coupon."""

    member = make_member(session, email="a@example.com", email_opt_in=True, preferred_channel="sms")
    campaign = create(session, kurban(audience={}, channel="preferred"))
    (run,) = runs_of(session, campaign)
    now = _due(run)
    assert run_campaign(session, run.id or 0, now, SHOP).messages_queued == 1
    (first,) = session.exec(select(Message).where(Message.run_id == run.id)).all()
    assert first.channel == "sms"

    record_consent(session, member, "sms", False, source="sms keyword", actor="twilio", now=now)
    session.execute(sa.update(CampaignRun).where(CampaignRun.id == run.id).values(status="running"))  # type: ignore[arg-type]
    session.expire_all()
    assert run_campaign(session, run.id or 0, now + timedelta(minutes=10), SHOP).status == "done"
    assert [m.id for m in session.exec(select(Message).where(Message.run_id == run.id))] == [first.id]
