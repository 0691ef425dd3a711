"""Audience rules: consent per channel, pause, card holders, store, RFM, lapsed only when asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from loyalty.campaigns.audience import AudienceFilter, audience_select
from loyalty.models.cards import Card, CardStatus
from loyalty.models.members import Member
from tests.builders import make_member, make_purchase, make_store

NOW = datetime(2026, 5, 24, 20, 0, tzinfo=UTC)


def ids(session: Session, channel: str = "sms", **filters: Any) -> set[int]:
    query = audience_select(AudienceFilter(**filters), channel=channel, now=NOW)
    return {row.member_id for row in session.execute(query)}


def bought(
    session: Session, member: Member, days_ago: int, amount: str = "100.00", store_id: int | None = None
) -> None:
    purchase = make_purchase(session, member, amount, occurred_at=NOW - timedelta(days=days_ago))
    purchase.store_id = store_id
    session.add(purchase)
    session.flush()


def test_consent_phone_validity_and_channels(session: Session) -> None:
    sms = make_member(session, sms=True)
    opted_out = make_member(session, sms=False)
    bad_phone = make_member(session, sms=True, phone_valid=False)
    email_only = make_member(session, sms=False, email="a@example.com", email_opt_in=True)
    email_no_address = make_member(session, sms=False, email_opt_in=True)
    mine = {sms.id, opted_out.id, bad_phone.id, email_only.id, email_no_address.id}
    assert ids(session, "sms") & mine == {sms.id}
    assert ids(session, "email") & mine == {email_only.id}
    assert ids(session, "preferred") & mine == {sms.id, email_only.id}


def test_preferred_resolves_to_a_reachable_channel(session: Session) -> None:
    both = make_member(session, email="b@example.com", email_opt_in=True, preferred_channel="email")
    falls_back = make_member(session, email="c@example.com", email_opt_in=False, preferred_channel="email")
    query = audience_select(AudienceFilter(), channel="preferred", now=NOW)
    channel = {row.member_id: row.channel for row in session.execute(query)}
    assert channel[both.id] == "email" and channel[falls_back.id] == "sms"


def test_paused_members_are_never_in_it(session: Session) -> None:
    paused = make_member(session, paused=True)
    paused_until_later = make_member(session, paused=True, paused_until=NOW + timedelta(days=3))
    pause_over = make_member(session, paused=True, paused_until=NOW - timedelta(minutes=1))
    found = ids(session)
    assert paused.id not in found and paused_until_later.id not in found
    assert pause_over.id in found


def test_card_holders_only(session: Session) -> None:
    holder = make_member(session)
    revoked = make_member(session)
    none = make_member(session)
    session.add(
        Card(member_id=holder.id or 0, number="4000000000000001", holder_name="A", status=CardStatus.active)
    )
    session.add(
        Card(member_id=revoked.id or 0, number="4000000000000002", holder_name="B", status=CardStatus.revoked)
    )
    session.flush()
    found = ids(session, card_holders_only=True)
    assert holder.id in found and revoked.id not in found and none.id not in found
    assert {holder.id, revoked.id, none.id} <= ids(session)


def test_store_home_or_bought_there(session: Session) -> None:
    kadikoy, besiktas = make_store(session), make_store(session)
    home = make_member(session, home_store_id=kadikoy.id)
    shopper = make_member(session)
    elsewhere = make_member(session, home_store_id=besiktas.id)
    bought(session, shopper, 10, store_id=kadikoy.id)
    bought(session, elsewhere, 10, store_id=besiktas.id)
    found = ids(session, store_id=kadikoy.id)
    assert home.id in found and shopper.id in found and elsewhere.id not in found


def test_rfm_recency_frequency_spend(session: Session) -> None:
    regular = make_member(session)
    for days in (5, 40, 80):
        bought(session, regular, days, "150.00")
    once_big = make_member(session)
    bought(session, once_big, 20, "900.00")
    old = make_member(session)
    for days in (400, 420, 440):
        bought(session, old, days, "150.00")
    assert ids(session, recency_days=30) & {regular.id, once_big.id, old.id} == {regular.id, once_big.id}
    assert ids(session, min_purchases=3, window_days=365) & {regular.id, once_big.id, old.id} == {regular.id}
    assert ids(session, min_spend=Decimal("400"), window_days=365) & {regular.id, once_big.id, old.id} == {
        regular.id,
        once_big.id,
    }
    both = ids(session, min_purchases=2, min_spend=Decimal("400"), window_days=365)
    assert both & {regular.id, once_big.id, old.id} == {regular.id}


def test_lapsed_members_only_when_asked(session: Session) -> None:
    lapsed = make_member(session)
    bought(session, lapsed, 200)
    active = make_member(session)
    bought(session, active, 10)
    bought(session, active, 300)
    never = make_member(session)
    mine = {lapsed.id, active.id, never.id}
    # a campaign that does not ask targets everyone opted in, with no lapsed-only selection
    assert ids(session) & mine == mine
    # asked explicitly: only those who bought before but not within the last 90 days
    assert ids(session, lapsed_days=90) & mine == {lapsed.id}
    # a recency filter (e.g. "bought in the last 90 days") never reaches the lapsed member
    assert lapsed.id not in ids(session, recency_days=90)
