"""SMS routes by destination and the NetGSM adapter, against a local server speaking NetGSM's REST v2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from loyalty.core.db import unit_of_work
from loyalty.core.jobs import set_publisher
from loyalty.core.settings import Settings
from loyalty.members.consent import record_consent
from loyalty.messaging.adapter import Outgoing, PermanentSendError, TransientSendError
from loyalty.messaging.queue import MessageRow, queue
from loyalty.messaging.routes import (
    Route,
    backend_for,
    kind_of,
    opt_out_line,
    parse_routes,
    routes_problem,
)
from loyalty.models.members import Channel, ConsentEvent, Member, RecipientType
from loyalty.models.messages import Category, Message, MessageState
from tests.builders import make_member
from tests.test_operations import loyalty, one_line
from tests.workers.netgsm_fake import FakeNetgsmServer
from tests.workers.twilio_fake import FakeTwilioServer
from workers.channels import make_channel
from workers.channels.netgsm_sms import NetgsmSmsChannel
from workers.delivery import deliver_batch
from workers.gateway import client_for, poll_inbox, poll_reports

DAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def routed(settings: Settings, netgsm: FakeNetgsmServer, twilio: FakeTwilioServer) -> Settings:
    return settings.model_copy(
        update={
            "sms_backend": "twilio",
            "sms_routes": "+90=netgsm,*=twilio",
            "netgsm_url": netgsm.url,
            "netgsm_usercode": netgsm.fake.usercode,
            "netgsm_password": netgsm.fake.password,
            "netgsm_header": "KOSEKAHVE",
            "netgsm_timeout": 2.0,
            "iys_brand_code": "654321",
            "twilio_account_sid": "AC" + "0" * 32,
            "twilio_auth_token": "test-token",
            "twilio_from_number": "+15005550006",
            "twilio_base_url": twilio.url,
            "quiet_hours_start": 0,
            "quiet_hours_end": 0,
            "send_threads": 1,
        }
    )


def _out(to: str = "+905321112233", text: str = "Merhaba", iysfilter: str = "11") -> Outgoing:
    return Outgoing(message_id=1, channel="sms", to=to, text=text, meta={"iysfilter": iysfilter})


def test_routes_parse_longest_prefix_first_and_name_a_bad_part() -> None:
    routes = parse_routes(" *=twilio, +90=netgsm ,+9053=outbox")
    assert routes == [Route("+9053", "outbox"), Route("+90", "netgsm"), Route("*", "twilio")]
    assert backend_for("+905321112233", routes, "outbox") == "outbox"
    assert backend_for("+905421112233", routes, "outbox") == "netgsm"
    assert backend_for("+4915112345678", routes, "outbox") == "twilio"
    assert backend_for("+4915112345678", parse_routes("+90=netgsm"), "outbox") == "outbox"
    with pytest.raises(ValueError, match="'\\+90=vodafone'"):
        parse_routes("+90=vodafone")
    with pytest.raises(ValueError, match="prefix '90'"):
        parse_routes("90=netgsm")


def test_the_start_up_check_refuses_commercial_sms_to_turkey_through_twilio(routed: Settings) -> None:
    assert routes_problem(routed) is None
    everything_twilio = routed.model_copy(update={"sms_routes": ""})
    problem = routes_problem(everything_twilio)
    assert problem is not None and "\n" not in problem
    assert "(+90)" in problem and "twilio" in problem and "LOYALTY_SMS_ROUTES=+90=netgsm" in problem
    assert routes_problem(routed.model_copy(update={"sms_routes": "*=twilio"})) is not None
    assert routes_problem(routed.model_copy(update={"sms_routes": "", "sms_backend": "outbox"})) is None
    no_brand = routes_problem(routed.model_copy(update={"iys_brand_code": "", "netgsm_header": ""}))
    assert no_brand == "SMS route netgsm needs LOYALTY_NETGSM_HEADER, LOYALTY_IYS_BRAND_CODE"


def test_one_table_says_which_kinds_are_commercial() -> None:
    assert kind_of("holiday_coupon", Category.promotional) == "commercial"
    assert kind_of("birthday_self", Category.personal) == "commercial"
    assert kind_of("card_welcome", Category.transactional) == "informational"
    assert kind_of("sms_opt_out_confirmation", Category.transactional) == "informational"
    assert kind_of("something_new", Category.promotional) == "commercial"


def test_the_opt_out_line_tells_the_truth_per_route(routed: Settings) -> None:
    keyword, noreply = routed.sms_opt_out_tr, routed.sms_opt_out_noreply_tr
    assert opt_out_line(routed, "tr", "+905321112233") == keyword  # NetGSM: replies reach the shop
    assert opt_out_line(routed, "tr", "+4915112345678") == keyword  # Twilio outside Turkey
    twilio_everywhere = routed.model_copy(update={"sms_routes": ""})
    assert opt_out_line(twilio_everywhere, "tr", "+905321112233") == noreply
    assert opt_out_line(twilio_everywhere, "en", "+905321112233") == routed.sms_opt_out_noreply_en


def test_the_adapter_speaks_netgsm_rest_v2(routed: Settings, netgsm: FakeNetgsmServer) -> None:
    channel = NetgsmSmsChannel(routed)
    provider_id = channel.send(_out(text="Şeker Bayramı'nız kutlu olsun", iysfilter="11"))
    [body] = netgsm.fake.requests
    assert body["msgheader"] == "KOSEKAHVE" and body["iysfilter"] == "11" and body["encoding"] == "TR"
    assert body["messages"] == [{"msg": "Şeker Bayramı'nız kutlu olsun", "no": "905321112233"}]
    assert provider_id == f"netgsm:{next(iter(netgsm.fake.jobs))}:905321112233"
    channel.send(_out(text="Kartiniz hazir", iysfilter="0"))
    assert "encoding" not in netgsm.fake.requests[1] and netgsm.fake.requests[1]["iysfilter"] == "0"


@pytest.mark.parametrize(
    ("action", "error", "code"),
    [
        (("code", "30"), TransientSendError, "30"),  # credentials: retried until fixed
        (("code", "40"), TransientSendError, "40"),
        (("code", "80"), TransientSendError, "80"),
        (("code", "20"), PermanentSendError, "20"),
        (("code", "70"), PermanentSendError, "70"),
        (("http", 503), TransientSendError, "503"),
    ],
)
def test_gateway_codes_map_to_retry_or_permanent(
    routed: Settings, netgsm: FakeNetgsmServer, action: tuple[str, object], error: type, code: str
) -> None:
    netgsm.fake.script.append(action)
    with pytest.raises(error) as raised:
        NetgsmSmsChannel(routed).send(_out())
    assert raised.value.code == code
    if code == "80":
        assert raised.value.retry_after == 60.0


def test_a_wrong_password_is_a_configuration_error(routed: Settings, netgsm: FakeNetgsmServer) -> None:
    with pytest.raises(TransientSendError, match="code 30"):
        NetgsmSmsChannel(routed.model_copy(update={"netgsm_password": "wrong"})).send(_out())
    assert netgsm.fake.requests == []


def _member(engine: Engine, phone: str, recipient_type: RecipientType = RecipientType.BIREYSEL) -> int:
    with unit_of_work(engine) as session:
        member = make_member(session, phone=phone, sms=False)
        record_consent(
            session,
            member,
            Channel.sms,
            True,
            source="counter",
            actor="user:t",
            recipient_type=recipient_type,
        )
        session.commit()
        return member.id or 0


def _queue(engine: Engine, member_id: int, purpose: str, category: Category) -> int:
    context = (
        {"card_number": "6001000000000017"} if purpose == "card_welcome" else {"occasion_on": "2026-12-01"}
    )
    with unit_of_work(engine) as session:
        [message_id] = queue(
            session,
            [
                MessageRow(
                    member_id=member_id,
                    requested_channel="sms",
                    dedupe_key=f"{purpose}:{member_id}",
                    purpose=purpose,
                    category=category,
                    context=context,
                )
            ],
        )
        session.commit()
        return message_id


def test_routes_send_turkey_through_the_gateway_filtered_and_the_rest_through_twilio(
    committing_engine: Engine, routed: Settings, netgsm: FakeNetgsmServer, twilio: FakeTwilioServer
) -> None:
    tr1 = _member(committing_engine, "+905321110001")
    tr2 = _member(committing_engine, "+905321110002", RecipientType.TACIR)
    tr3 = _member(committing_engine, "+905321110003")
    de = _member(committing_engine, "+4915112345678")
    us = _member(committing_engine, "+12025550123")
    netgsm.fake.consent |= {"905321110001", "905321110002"}
    promo = [_queue(committing_engine, m, "birthday_self", Category.promotional) for m in (tr1, tr3, de, us)]
    merchant = _queue(committing_engine, tr2, "birthday_self", Category.promotional)
    welcome = _queue(committing_engine, tr3, "card_welcome", Category.transactional)
    channel = make_channel("sms", routed)
    outcomes = deliver_batch(
        [*promo, merchant, welcome], engine=committing_engine, settings=routed, channel_for=lambda _: channel
    )
    assert {o.status for o in outcomes.values()} == {"sent"}
    # the two individual commercial messages to Turkey went in one request, filtered by İYS
    bodies = netgsm.fake.requests
    by_filter = {b["iysfilter"]: b for b in bodies}
    assert sorted(by_filter) == ["0", "11", "12"] and len(bodies) == 3
    assert {m["no"] for m in by_filter["11"]["messages"]} == {"905321110001", "905321110003"}
    assert [m["no"] for m in by_filter["12"]["messages"]] == ["905321110002"]
    assert [m["no"] for m in by_filter["0"]["messages"]] == ["905321110003"]  # the welcome: unfiltered
    assert all(b["msgheader"] == "KOSEKAHVE" and b["encoding"] == "TR" for b in bodies)
    assert {r["to"] for r in twilio.fake.accepted} == {"+4915112345678", "+12025550123"}
    # the opt-out line of the gateway route (replies reach the shop) is the keyword line
    assert routed.sms_opt_out_tr in by_filter["11"]["messages"][0]["msg"]

    # delivery reports: delivered where the operator delivered, failed where İYS had no consent
    netgsm.fake.deliver_all()
    assert poll_reports(committing_engine, client_for(routed), datetime.now(UTC)) == 4
    with unit_of_work(committing_engine) as session:
        states = {
            m.member_id: (m.purpose, m.state)
            for m in session.exec(select(Message).where(Message.provider_id.startswith("netgsm:")))  # type: ignore[union-attr]
            if m.purpose == "birthday_self"
        }
        welcome_state = session.get(Message, welcome)
    assert states == {
        tr1: ("birthday_self", MessageState.delivered),
        tr2: ("birthday_self", MessageState.delivered),
        tr3: ("birthday_self", MessageState.failed),
    }
    assert welcome_state is not None and welcome_state.state == MessageState.delivered


def test_gateway_replies_feed_the_keyword_rule(
    committing_engine: Engine, routed: Settings, netgsm: FakeNetgsmServer
) -> None:
    member_id = _member(committing_engine, "+905321110009")
    reply = {
        "message": "RET",
        "sender": "905321110009",
        "receiver": "8503000000",
        "datetime": "06.12.2026 10:00",
    }
    netgsm.fake.inbox = [reply, dict(reply)]  # the same reply twice: acted on once
    now = datetime.now(UTC)
    published: list[tuple[str, tuple[Any, ...]]] = []
    set_publisher(lambda name, args: published.append((name, args)))
    try:
        assert poll_inbox(committing_engine, client_for(routed), now) == 1
        assert poll_inbox(committing_engine, client_for(routed), now + timedelta(minutes=1)) == 0  # code 40
    finally:
        set_publisher(None)
    assert [name for name, _ in published] == ["workers.send_message"]  # the one confirmation
    with unit_of_work(committing_engine) as session:
        member = session.get(Member, member_id)
        assert member is not None and member.sms_opt_in is False
        last = session.exec(
            select(ConsentEvent).where(ConsentEvent.member_id == member_id).order_by(ConsentEvent.id.desc())  # type: ignore[union-attr]
        ).first()
        assert last is not None and last.actor == "netgsm" and last.source == "sms keyword"


@pytest.mark.parametrize("command", ["worker", "serve"])
def test_worker_and_server_refuse_commercial_sms_to_turkey_through_twilio_in_one_line(
    tmp_path: Path, command: str
) -> None:
    # on a database not even created: the route is refused before anything else is looked at
    done = loyalty(tmp_path, command, LOYALTY_SMS_BACKEND="twilio")
    assert done.returncode == 1
    line = one_line(done)
    assert line.startswith("error: commercial SMS to Turkey (+90) would go through twilio")
    assert "LOYALTY_SMS_ROUTES=+90=netgsm,*=twilio" in line
