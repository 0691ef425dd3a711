"""A member adds or changes their e-mail on their page; it applies once the link sent there is opened."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from loyalty.core.clock import utcnow
from loyalty.core.settings import Settings
from loyalty.core.tokens import email_confirm_token, member_page_token
from loyalty.delivery.claiming import prepare_send
from loyalty.members.consent import record_consent
from loyalty.models.members import Channel, ConsentEvent
from loyalty.models.messages import Message
from tests.builders import make_member


def _request(client: TestClient, token: str, email: str, consent: bool) -> tuple[int, dict[str, object]]:
    answer = client.post(f"/api/v1/self/{token}/email", json={"email": email, "consent": consent})
    return answer.status_code, answer.json()


def test_the_confirmation_goes_to_the_new_address_and_nothing_changes_before_it_is_opened(
    client: TestClient, session: Session, settings: Settings
) -> None:
    member = make_member(session, "Ayşe Kaya", sms=True)  # no e-mail, no e-mail consent
    assert member.id is not None and member.email is None
    status, body = _request(
        client, member_page_token(settings.secret_key, member.id), " Ayse@Example.com ", True
    )
    assert status == 202 and body == {"sent_to": "Ayse@example.com"}
    session.refresh(member)
    assert member.email is None and member.email_opt_in is False  # not before the link is opened
    message = session.exec(select(Message).where(Message.member_id == member.id)).one()
    assert (message.purpose, message.channel, message.category) == (
        "email_confirmation",
        "email",
        "transactional",
    )
    out = prepare_send(session, message.id or 0, utcnow() + timedelta(seconds=1), settings)
    assert out is not None, "sent although the address has no consent: the member asked for it"
    assert out.to == "Ayse@example.com" and "http://testserver/e/" in out.text
    assert "Ayse@example.com" in out.text and "onaylamak" in out.text.lower()


def test_opening_the_link_sets_the_address_and_the_consent_asked_for(
    client: TestClient, session: Session, settings: Settings
) -> None:
    member = make_member(session, "Emma Smith", locale="en", email="old@example.com", email_opt_in=True)
    assert member.id is not None
    token = email_confirm_token(settings.secret_key, member.id, "new@example.com", True)
    page = client.get(f"/e/{token}?lang=en")
    assert page.status_code == 200 and "Confirm new@example.com as your e-mail address?" in page.text
    session.refresh(member)
    assert member.email == "old@example.com"  # a GET (a mail scanner) changes nothing
    done = client.post(f"/e/{token}")
    assert done.status_code == 200 and "your e-mail address is now new@example.com" in done.text
    session.refresh(member)
    assert member.email == "new@example.com" and member.email_opt_in is True
    ledger = session.exec(
        select(ConsentEvent).where(ConsentEvent.member_id == member.id).order_by(col(ConsentEvent.id))
    ).all()
    assert (ledger[-1].channel, ledger[-1].granted, ledger[-1].actor) == ("email", True, "member")
    assert client.post(f"/e/{token}").status_code == 200  # opened twice: says done, changes nothing again
    session.refresh(member)
    assert member.email == "new@example.com"


def test_a_link_works_once_and_a_newer_change_voids_older_links(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """Issue 25 point 5: confirm A (with consent), then B (without), then POST A again: A stays used."""
    member = make_member(session, email="old@example.com", email_opt_in=False)
    assert member.id is not None
    page = member_page_token(settings.secret_key, member.id)
    links = []
    for address, consent in (("a@example.com", True), ("b@example.com", False)):
        assert _request(client, page, address, consent)[0] == 202
        message = session.exec(
            select(Message).where(Message.member_id == member.id).order_by(col(Message.id).desc())
        ).first()
        assert message is not None
        links.append(str(message.context["confirm_url"]).removeprefix("http://testserver"))
    link_a, link_b = links
    assert client.post(link_a).status_code == 410  # B was asked for later: A's link no longer works
    assert client.post(link_b).status_code == 200
    session.refresh(member)
    assert member.email == "b@example.com" and member.email_opt_in is False
    assert client.post(link_a).status_code == 410  # replayed: the address does not go back to A
    assert client.post(link_b).status_code == 200  # B again: done already, nothing changes
    session.refresh(member)
    assert member.email == "b@example.com" and member.email_opt_in is False
    # a new request, confirmed, then the member withdraws consent: replaying its link grants nothing
    assert _request(client, page, "b@example.com", True)[0] == 202
    message = session.exec(
        select(Message).where(Message.member_id == member.id).order_by(col(Message.id).desc())
    ).first()
    assert message is not None
    link_c = str(message.context["confirm_url"]).removeprefix("http://testserver")
    assert client.post(link_c).status_code == 200
    session.refresh(member)
    assert member.email_opt_in is True
    record_consent(session, member, Channel.email, False, source="counter", actor="user:test")
    assert client.post(link_c).status_code == 200
    session.refresh(member)
    assert member.email_opt_in is False


def test_a_new_address_without_consent_starts_without_it(
    client: TestClient, session: Session, settings: Settings
) -> None:
    member = make_member(session, email="old@example.com", email_opt_in=True)
    assert member.id is not None
    token = email_confirm_token(settings.secret_key, member.id, "other@example.com", False)
    assert client.post(f"/e/{token}").status_code == 200
    session.refresh(member)
    assert member.email == "other@example.com" and member.email_opt_in is False  # and it is in the ledger
    last = session.exec(
        select(ConsentEvent).where(ConsentEvent.member_id == member.id).order_by(col(ConsentEvent.id).desc())
    ).first()
    assert last is not None and (last.channel, last.granted) == ("email", False)


def test_bad_addresses_and_bad_links_are_refused(
    client: TestClient, session: Session, settings: Settings
) -> None:
    member = make_member(session)
    assert member.id is not None
    status, body = _request(
        client, member_page_token(settings.secret_key, member.id), "not-an-address", False
    )
    assert status == 422 and body["detail"][0]["loc"][-1] == "email"  # type: ignore[index]
    expired = email_confirm_token(
        settings.secret_key, member.id, "x@example.com", False, now=utcnow() - timedelta(days=3)
    )
    forged = email_confirm_token("another-secret-key-0123456789abcdef", member.id, "x@example.com", False)
    for bad in (expired, forged, member_page_token(settings.secret_key, member.id)):
        assert client.get(f"/e/{bad}").status_code == 404
        assert client.post(f"/e/{bad}").status_code == 404
    session.refresh(member)
    assert member.email != "x@example.com"
