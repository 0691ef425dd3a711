"""/api/v1/self/{token}: the signed link is the only credential, and it reaches only its own member."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.core.settings import Settings
from loyalty.core.tokens import (
    PageLink,
    member_page_token,
    member_page_url,
    read_member_page_token,
    unsubscribe_token,
)
from tests.builders import make_member


def test_the_token_names_its_member_and_nothing_else(settings: Settings) -> None:
    token = member_page_token(settings.secret_key, 42, 3)
    assert read_member_page_token(settings.secret_key, token) == PageLink(member_id=42, version=3)
    url = member_page_url(settings, 42, 3)
    assert url.startswith("http://testserver/m/")
    assert read_member_page_token(settings.secret_key, url.rsplit("/", 1)[1]) == PageLink(42, 3)


def test_a_page_link_expires_after_the_configured_days(
    client: TestClient, session: Session, settings: Settings
) -> None:
    member = make_member(session)
    assert member.id is not None
    issued = utcnow() - timedelta(days=settings.member_link_days)
    old = member_page_token(settings.secret_key, member.id, days=settings.member_link_days, now=issued)
    fresh = member_page_token(
        settings.secret_key, member.id, days=settings.member_link_days, now=issued + timedelta(minutes=5)
    )
    assert client.get(f"/api/v1/self/{old}").status_code == 404  # past its days
    assert client.get(f"/api/v1/self/{fresh}").status_code == 200  # five minutes left
    url = member_page_url(settings.model_copy(update={"member_link_days": 1}), member.id)
    assert client.get(f"/api/v1/self/{url.rsplit('/', 1)[1]}").status_code == 200


def test_staff_revoke_every_link_of_one_member(
    client: TestClient, session: Session, settings: Settings, staff: dict[str, str]
) -> None:
    member, other = make_member(session, "Ayşe"), make_member(session, "Mehmet")
    assert member.id is not None and other.id is not None
    given = client.get(f"/api/v1/members/{member.id}/self-link", headers=staff).json()["url"]
    others = member_page_token(settings.secret_key, other.id)
    revoked = client.post(f"/api/v1/members/{member.id}/self-link/revoke", headers=staff)
    assert revoked.status_code == 200
    new = revoked.json()["url"]
    assert client.get(f"/api/v1/self/{given.rsplit('/', 1)[1]}").status_code == 404  # revoked
    assert client.get(f"/api/v1/self/{new.rsplit('/', 1)[1]}").status_code == 200  # the new one works
    assert client.get(f"/api/v1/self/{others}").status_code == 200  # nobody else's link changed
    assert client.post(f"/api/v1/members/{member.id}/self-link/revoke").status_code == 401


def test_forged_foreign_and_unsubscribe_tokens_are_refused(
    client: TestClient, session: Session, settings: Settings
) -> None:
    member = make_member(session)
    assert member.id is not None
    good = member_page_token(settings.secret_key, member.id)
    assert client.get(f"/api/v1/self/{good}").status_code == 200
    for bad in (
        member_page_token("another-secret-key-0123456789abcdef", member.id),  # forged
        unsubscribe_token(settings.secret_key, member.id, "sms"),  # a different purpose
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # damaged
        member_page_token(settings.secret_key, member.id + 1000),  # no such member
    ):
        answer = client.get(f"/api/v1/self/{bad}")
        assert answer.status_code == 404, bad
    assert "not valid" in client.get(f"/api/v1/self/{good[:-2]}xx").json()["detail"]


def test_a_member_cannot_retire_someone_elses_occasion(
    client: TestClient, session: Session, settings: Settings
) -> None:
    ayse, mehmet = make_member(session, "Ayşe"), make_member(session, "Mehmet")
    assert ayse.id is not None and mehmet.id is not None
    ayse_token = member_page_token(settings.secret_key, ayse.id)
    mehmet_token = member_page_token(settings.secret_key, mehmet.id)
    created = client.post(
        f"/api/v1/self/{ayse_token}/occasions",
        json={"kind": "new_job", "purpose": "İlk işim, kutlamak istiyorum", "date": "2026-09-01"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["stated_by"], body["recurrence"]) == ("member", "once")  # a new job happens once
    occasion_id = body["id"]
    assert client.delete(f"/api/v1/self/{mehmet_token}/occasions/{occasion_id}").status_code == 404
    page = client.get(f"/api/v1/self/{ayse_token}").json()
    assert [o["id"] for o in page["occasions"]] == [occasion_id]
    assert client.delete(f"/api/v1/self/{ayse_token}/occasions/{occasion_id}").status_code == 200
    assert client.get(f"/api/v1/self/{ayse_token}").json()["occasions"] == []


def test_a_missing_purpose_is_refused_naming_the_field(
    client: TestClient, session: Session, settings: Settings
) -> None:
    member = make_member(session)
    assert member.id is not None
    token = member_page_token(settings.secret_key, member.id)
    blank = {"kind": "birthday", "purpose": " ", "date": "05-09"}
    answer = client.post(f"/api/v1/self/{token}/occasions", json=blank)
    assert answer.status_code == 422
    assert "purpose" in str(answer.json()["detail"])


def test_pause_resume_and_consent_through_the_link(
    client: TestClient, session: Session, settings: Settings
) -> None:
    member = make_member(session, sms=True)
    assert member.id is not None
    token = member_page_token(settings.secret_key, member.id)
    paused = client.post(f"/api/v1/self/{token}/pause", json={"until": "2099-01-15"}).json()["member"]
    assert paused["paused"] is True
    assert paused["paused_until"].startswith("2099-01-15T21:00")  # the 16th begins in Istanbul, in UTC
    assert paused["paused_through"] == "2099-01-15"  # shown as the day chosen
    assert client.post(f"/api/v1/self/{token}/pause", json={"until": "2000-01-01"}).status_code == 422
    assert client.post(f"/api/v1/self/{token}/resume").json()["member"]["paused"] is False
    after = client.post(f"/api/v1/self/{token}/consent", json={"channel": "sms", "granted": False}).json()
    assert after["member"]["consent"] == {"sms": False, "email": False}


def test_staff_get_a_members_link_other_roles_do_not(
    client: TestClient, session: Session, staff: dict[str, str], marketing: dict[str, str]
) -> None:
    member = make_member(session)
    url = client.get(f"/api/v1/members/{member.id}/self-link", headers=staff).json()["url"]
    assert url.startswith("http://testserver/m/")
    assert client.get(url.removeprefix("http://testserver")).status_code == 200  # the page shell
    assert client.get(f"/api/v1/members/{member.id}/self-link", headers=marketing).status_code == 403
    assert client.get(f"/api/v1/members/{member.id}/self-link").status_code == 401
