"""Twilio webhooks (signature, forward-only status, keywords) and the signed unsubscribe link."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from loyalty.core.settings import Settings
from loyalty.core.tokens import unsubscribe_token, unsubscribe_url
from loyalty.messaging.claims import message_history
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.members import Channel, ConsentEvent, Member
from loyalty.models.messages import Category, Message, MessageState
from tests.builders import make_member

TOKEN = "twilio-auth-token-for-tests"
STATUS = "/api/v1/webhooks/twilio/status"
INBOUND = "/api/v1/webhooks/twilio/inbound"


@pytest.fixture
def hook_client(app: FastAPI, settings: Settings) -> TestClient:
    # the public base URL differs from the host the request arrives on, as behind a proxy
    app.state.settings = settings.model_copy(
        update={"twilio_auth_token": TOKEN, "public_base_url": "https://shop.example.com"}
    )
    return TestClient(app)


def _post(client: TestClient, path: str, form: dict[str, str], *, token: str = TOKEN) -> int:
    signature = RequestValidator(token).compute_signature(f"https://shop.example.com{path}", form)
    response = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    return response.status_code


def _sent_message(session: Session, member: Member, sid: str) -> Message:
    [message_id] = queue(
        session,
        [
            MessageRow(
                member_id=member.id or 0,
                requested_channel="sms",
                dedupe_key=f"coupon:{sid}",
                purpose="birthday_self",
                category=Category.promotional,
            )
        ],
    )
    message = session.get(Message, message_id)
    assert message is not None
    message.state, message.provider_id = MessageState.sent, sid
    session.add(message)
    session.flush()
    return message


def test_status_callback_needs_a_valid_signature_and_moves_forward_only(
    hook_client: TestClient, session: Session
) -> None:
    message = _sent_message(session, make_member(session), "SM1")
    form = {"MessageSid": "SM1", "MessageStatus": "delivered", "AccountSid": "AC1"}
    assert _post(hook_client, STATUS, form, token="wrong-token") == 403
    assert hook_client.post(STATUS, data=form).status_code == 403  # no signature at all
    session.refresh(message)
    assert message.state == MessageState.sent
    assert _post(hook_client, STATUS, form) == 204
    assert _post(hook_client, STATUS, form) == 204  # Twilio repeats itself
    assert _post(hook_client, STATUS, {**form, "MessageStatus": "sent"}) == 204  # late, older news
    session.refresh(message)
    assert message.state == MessageState.delivered
    assert [e.state for e in message_history(session, message.id or 0)] == ["queued", "delivered"]


def test_status_path_with_our_message_id_is_signed_with_its_query(
    hook_client: TestClient, session: Session
) -> None:
    message = _sent_message(session, make_member(session), "SM2")
    path = f"{STATUS}?m={message.id}"
    assert (
        _post(hook_client, path, {"MessageSid": "SM2", "MessageStatus": "undelivered", "ErrorCode": "30003"})
        == 204
    )
    session.refresh(message)
    assert message.state == MessageState.failed and message.error_code == "30003"


def test_a_failed_callback_with_21610_or_21211_teaches_the_members_record(
    hook_client: TestClient, session: Session
) -> None:
    """Through a Messaging Service, Twilio may report these only in the status callback."""
    opted_out, invalid = make_member(session), make_member(session)
    _sent_message(session, opted_out, "SM21610")
    _sent_message(session, invalid, "SM21211")
    for sid, code in (("SM21610", "21610"), ("SM21211", "21211")):
        form = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": code}
        assert _post(hook_client, STATUS, form) == 204
        assert _post(hook_client, STATUS, form) == 204  # a repeat records nothing twice
    session.refresh(opted_out)
    session.refresh(invalid)
    assert opted_out.sms_opt_in is False and invalid.phone_valid is False
    assert invalid.sms_opt_in is True and opted_out.phone_valid is True
    ledger = session.exec(select(ConsentEvent).where(ConsentEvent.member_id == opted_out.id)).all()
    assert [(e.channel, e.granted, e.actor) for e in ledger][-1:] == [("sms", False, "twilio")]
    assert sum(1 for e in ledger if not e.granted) == 1


def test_a_message_id_too_large_in_the_callback_url_is_ignored(hook_client: TestClient) -> None:
    path = f"{STATUS}?m={2**70}"
    assert _post(hook_client, path, {"MessageSid": "SMnone", "MessageStatus": "delivered"}) == 204


@pytest.mark.parametrize(
    "word", ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT", "RET", "İPTAL", "iptal"]
)
def test_opt_out_keywords(hook_client: TestClient, session: Session, word: str) -> None:
    member = make_member(session, sms=True)
    assert (
        _post(hook_client, INBOUND, {"From": member.phone, "Body": f" {word} ", "MessageSid": "SMin"}) == 200
    )
    session.refresh(member)
    assert member.sms_opt_in is False
    event = session.exec(select(ConsentEvent).where(ConsentEvent.member_id == member.id)).one()
    assert (event.granted, event.source, event.actor) == (False, "sms keyword", "twilio")


@pytest.mark.parametrize("word", ["START", "yes", "UNSTOP"])
def test_opt_in_keywords(hook_client: TestClient, session: Session, word: str) -> None:
    member = make_member(session, sms=False)
    assert _post(hook_client, INBOUND, {"From": member.phone, "Body": word, "MessageSid": f"SM{word}"}) == 200
    session.refresh(member)
    assert member.sms_opt_in is True


def test_other_texts_and_bad_signatures_change_nothing(hook_client: TestClient, session: Session) -> None:
    member = make_member(session, sms=True)
    assert (
        _post(
            hook_client,
            INBOUND,
            {"From": member.phone, "Body": "stop sending me the menu please", "MessageSid": "SMtext"},
        )
        == 200
    )
    assert (
        _post(
            hook_client, INBOUND, {"From": member.phone, "Body": "STOP", "MessageSid": "SMf"}, token="forged"
        )
        == 403
    )
    session.refresh(member)
    assert member.sms_opt_in is True


def test_unsubscribe_link_confirms_then_records(
    client: TestClient, session: Session, settings: Settings
) -> None:
    member = make_member(session, email="u@example.com", email_opt_in=True)
    url = unsubscribe_url(settings, member.id or 0, Channel.email)
    path = url.removeprefix(settings.public_base_url)
    page = client.get(path, headers={"Accept-Language": "tr"})
    assert page.status_code == 200 and "<form" in page.text
    assert "e-posta ile kampanya mesajı almak istemiyor musunuz?" in page.text and "offers" not in page.text
    session.refresh(member)
    assert member.email_opt_in is True  # a GET (a link scanner) unsubscribes nobody
    done = client.post(path, data={"List-Unsubscribe": "One-Click"}, headers={"Accept-Language": "tr"})
    assert done.status_code == 200 and "Artık e-posta ile kampanya mesajı almayacaksınız." in done.text
    english = client.get(path + "?lang=en")  # the page speaks one language: the visitor's
    assert "No more offers by e-mail?" in english.text and "kampanya" not in english.text
    session.refresh(member)
    assert member.email_opt_in is False and member.sms_opt_in is True
    event = session.exec(select(ConsentEvent).where(ConsentEvent.member_id == member.id)).one()
    assert (event.channel, event.granted, event.actor) == ("email", False, "member")
    forged = unsubscribe_token("another-secret", member.id or 0, Channel.email)
    assert client.post(f"/u/{forged}").status_code == 404
    assert client.get("/u/not-a-token").status_code == 404


def test_a_replayed_inbound_start_after_a_later_stop_changes_nothing(
    hook_client: TestClient, session: Session
) -> None:
    """Twilio's signature has no timestamp: a captured START must not re-subscribe a member who left."""
    member = make_member(session, sms=False)
    start = {"From": member.phone, "Body": "START", "MessageSid": "SMstart1"}
    assert _post(hook_client, INBOUND, start) == 200
    assert _post(hook_client, INBOUND, {"From": member.phone, "Body": "STOP", "MessageSid": "SMstop1"}) == 200
    ledger_before = session.exec(select(ConsentEvent).where(ConsentEvent.member_id == member.id)).all()
    assert _post(hook_client, INBOUND, start) == 200  # the replay is answered like any message
    session.refresh(member)
    assert member.sms_opt_in is False
    ledger = session.exec(select(ConsentEvent).where(ConsentEvent.member_id == member.id)).all()
    assert [(e.granted, e.source) for e in ledger] == [(e.granted, e.source) for e in ledger_before]
    assert [e.granted for e in ledger] == [True, False]


def test_a_replayed_status_callback_changes_nothing(hook_client: TestClient, session: Session) -> None:
    """A 'failed 21610' callback replayed after the member texted START must not opt them out again."""
    member = make_member(session, sms=True)
    message = _sent_message(session, member, "SMreplay")
    failed = {"MessageSid": "SMreplay", "MessageStatus": "failed", "ErrorCode": "21610"}
    assert _post(hook_client, STATUS, failed) == 204
    session.refresh(member)
    assert member.sms_opt_in is False
    assert _post(hook_client, INBOUND, {"From": member.phone, "Body": "START", "MessageSid": "SMback"}) == 200
    session.refresh(member)
    assert member.sms_opt_in is True
    history = [e.state for e in message_history(session, message.id or 0)]
    assert _post(hook_client, STATUS, failed) == 204
    assert _post(hook_client, STATUS, {**failed, "MessageStatus": "delivered"}) == 204  # and older news
    session.refresh(member)
    session.refresh(message)
    assert member.sms_opt_in is True and message.state == MessageState.failed
    assert [e.state for e in message_history(session, message.id or 0)] == history


def test_a_signed_inbound_message_without_a_message_id_is_refused(
    hook_client: TestClient, session: Session
) -> None:
    """Issue 25 point 5: without MessageSid there is nothing to de-duplicate on, so a replayed (edited)
    START after a STOP would re-grant SMS: refused, and nothing changes."""
    member = make_member(session, sms=False)
    assert _post(hook_client, INBOUND, {"From": member.phone, "Body": "START"}) == 400
    session.refresh(member)
    assert member.sms_opt_in is False
    assert session.exec(select(ConsentEvent).where(ConsentEvent.member_id == member.id)).all() == []
