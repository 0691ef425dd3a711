"""A coupon on the wallet pass's lock screen is a message: it rides the coupon's own message through the
send step's policy (quiet hours defer it, no consent cancels it to a silent update), once per coupon,
recorded in the message's history; a forecast touches no pass (issue 23, point 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from loyalty.core.settings import Settings
from loyalty.counter.overview import recent_messages
from loyalty.delivery.claiming import prepare_send
from loyalty.delivery.forecast import play
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.campaigns import RunStatus
from loyalty.models.messages import Category, Message, MessageEvent, MessageState
from loyalty.models.wallet import WalletPass
from loyalty.wallet.apple import signed_pass
from loyalty.wallet.passes import pass_for_card
from tests.builders import make_campaign_run, make_coupon
from tests.wallet.pass_files import unzip
from tests.wallet.test_apple_pass import carded

EVENING = datetime(2027, 2, 1, 19, 0, tzinfo=UTC)  # 22:00 in Istanbul: quiet hours
MORNING = datetime(2027, 2, 2, 6, 0, tzinfo=UTC)  # 09:00 in Istanbul


def _coupon_messages(session: Session, member_id: int, coupon: Any, channels: tuple[str, ...]) -> list[int]:
    context = {
        "coupon_code": coupon.code,
        "offer_kind": "percent",
        "offer_value": "15",
        "expires_on": "2027-02-14",
    }
    return queue(
        session,
        [
            MessageRow(
                member_id=member_id,
                requested_channel=channel,
                dedupe_key=f"coupon:{coupon.id}",
                purpose="holiday_coupon",
                category=Category.promotional,
                coupon_id=coupon.id,
                context=context,
                campaign_id=coupon.campaign_id,
            )
            for channel in channels
        ],
        now=EVENING,
    )


def _front(session: Session, wallet_pass: WalletPass, settings: Settings, now: datetime) -> dict[str, Any]:
    import json  # noqa: PLC0415

    document: dict[str, Any] = json.loads(
        unzip(signed_pass(session, wallet_pass, settings, now))["pass.json"]
    )
    return document


def test_the_coupon_shows_on_the_lock_screen_only_when_its_message_may_go(
    session: Session, settings: Settings
) -> None:
    member, card, _key = carded(session)
    member.email, member.email_opt_in = "ayse@example.com", True
    session.add(member)
    wallet_pass = pass_for_card(session, card, EVENING)
    coupon = make_coupon(session, member, valid_from=EVENING - timedelta(hours=1))
    sms, email = _coupon_messages(session, member.id or 0, coupon, ("sms", "email"))
    start = wallet_pass.tag

    assert prepare_send(session, sms, EVENING, settings) is None  # quiet hours: deferred, nothing announced
    session.refresh(wallet_pass)
    assert (wallet_pass.tag, wallet_pass.announced_coupon_id) == (start, None)
    back = _front(session, wallet_pass, settings, EVENING)["storeCard"]
    assert "auxiliaryFields" not in back  # no field with a changeMessage yet

    assert prepare_send(session, sms, MORNING, settings) is not None  # claimed: the lock-screen line goes
    session.refresh(wallet_pass)
    assert wallet_pass.announced_coupon_id == coupon.id and wallet_pass.tag > start
    [offer] = _front(session, wallet_pass, settings, MORNING)["storeCard"]["auxiliaryFields"]
    assert offer["changeMessage"] == "Yeni kuponunuz: %@" and "%15 indirim" in offer["value"]
    events = session.exec(
        select(MessageEvent).where(MessageEvent.message_id == sms, MessageEvent.state == "wallet")
    )
    assert len(events.all()) == 1

    history = {line.id: line.wallet for line in recent_messages(session, member.id or 0)}
    assert history == {sms: True, email: False}  # the counter's history of the member says so
    announced = wallet_pass.tag
    assert prepare_send(session, email, MORNING, settings) is not None  # the same coupon by e-mail: once
    session.refresh(wallet_pass)
    assert wallet_pass.tag == announced


def test_without_consent_the_coupon_is_listed_silently(session: Session, settings: Settings) -> None:
    member, card, _key = carded(session)
    member.sms_opt_in = False
    session.add(member)
    wallet_pass = pass_for_card(session, card, EVENING)
    coupon = make_coupon(session, member, valid_from=EVENING - timedelta(hours=1))
    [sms] = _coupon_messages(session, member.id or 0, coupon, ("sms",))
    start = wallet_pass.tag
    assert prepare_send(session, sms, MORNING, settings) is None
    assert session.get(Message, sms).state == MessageState.cancelled  # type: ignore[union-attr]
    session.refresh(wallet_pass)
    assert wallet_pass.tag > start and wallet_pass.announced_coupon_id is None  # updated, nothing announced
    document = _front(session, wallet_pass, settings, MORNING)
    assert "auxiliaryFields" not in document["storeCard"]
    back = {f["key"]: f["value"] for f in document["storeCard"]["backFields"]}
    assert coupon.code[:4] in back["coupons"]


def test_a_forecast_touches_no_pass(session: Session, settings: Settings) -> None:
    member, card, _key = carded(session)
    wallet_pass = pass_for_card(session, card, EVENING)
    run = make_campaign_run(session)
    run.status = RunStatus.done  # issued already: the forecast plays only its message
    coupon = make_coupon(session, member, run=run, valid_from=EVENING - timedelta(hours=1))
    _coupon_messages(session, member.id or 0, coupon, ("sms",))
    start = wallet_pass.tag
    forecast = play(session, settings, start=EVENING, days=1, member_id=member.id)
    [line] = forecast.messages
    assert line.fate == "deferred" and line.send_at == MORNING  # it would go at 09:00: claimed in the play
    session.refresh(wallet_pass)
    assert wallet_pass.tag == start
    assert session.exec(select(WalletPass).where(col(WalletPass.tag) > start)).all() == []
