"""Short member links: /m/{12-character key} (at most 40 characters after the host), random, kept on the
server, expiring and revocable; the long signed links handed out before keep working until they expire."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from loyalty.core.settings import Settings
from loyalty.core.tokens import member_page_token
from loyalty.members.links import (
    KEY_ALPHABET,
    KEY_LENGTH,
    links_of,
    new_key,
    page_link_key,
    purge_expired_links,
)
from tests.builders import make_member


def _key(url: str) -> str:
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert len("/" + path) <= 40, url
    assert path.startswith("m/")
    return path[2:]


def test_a_short_link_opens_the_page_and_is_revoked_with_the_member(
    client: TestClient, session: Session, staff: dict[str, str], settings: Settings
) -> None:
    member = make_member(session, full_name="Ayşe Yılmaz")
    first = client.get(f"/api/v1/members/{member.id}/self-link", headers=staff)
    assert first.status_code == 200, first.text
    key = _key(first.json()["url"])
    assert len(key) == KEY_LENGTH and key.isalnum()
    # the same day: the same link (a message's text is the same at every attempt)
    assert (
        client.get(f"/api/v1/members/{member.id}/self-link", headers=staff).json()["url"]
        == first.json()["url"]
    )
    page = client.get(f"/api/v1/self/{key}")
    assert page.status_code == 200 and page.json()["member"]["full_name"] == "Ayşe Yılmaz"
    # an old long link still opens the page until it expires
    long = member_page_token(settings.secret_key, member.id or 0, member.link_version)
    assert client.get(f"/api/v1/self/{long}").status_code == 200
    # revoked: the short and the long link stop at once; the new one works
    renewed = client.post(f"/api/v1/members/{member.id}/self-link/revoke", headers=staff)
    assert renewed.status_code == 200
    assert client.get(f"/api/v1/self/{key}").status_code == 404
    assert client.get(f"/api/v1/self/{long}").status_code == 404
    assert client.get(f"/api/v1/self/{_key(renewed.json()['url'])}").status_code == 200
    # an unknown or malformed key names nobody
    assert client.get("/api/v1/self/AAAAAAAAAAAA").status_code == 404
    assert client.get("/api/v1/self/short").status_code == 404


def test_a_key_expires_server_side_and_keys_are_random(session: Session) -> None:
    member = make_member(session)
    other = make_member(session)
    issued = datetime(2026, 1, 1, 9, tzinfo=UTC)
    key = page_link_key(session, member, issued=issued, days=10)
    assert page_link_key(session, member, issued=issued + timedelta(hours=3), days=10) == key
    assert page_link_key(session, member, issued=issued + timedelta(days=1), days=10) != key
    assert page_link_key(session, other, issued=issued, days=10) != key
    assert len({page_link_key(session, member, issued=issued + timedelta(days=n)) for n in range(20)}) == 20
    assert purge_expired_links(session, issued + timedelta(days=10, hours=1)) == 2  # member and other, day 0
    assert key not in {link.key for link in links_of(session, member.id or 0)}


def test_keys_use_the_whole_alphabet_at_every_position() -> None:
    """A key is twelve letters or digits, and every position draws from all 62 of them (a base-62
    writing that dropped a digit or a range would show as a position with fewer characters)."""
    keys = [new_key() for _ in range(3000)]
    assert all(len(key) == KEY_LENGTH and set(key) <= set(KEY_ALPHABET) for key in keys)
    assert len(set(keys)) == len(keys)
    for position in range(KEY_LENGTH):
        assert len({key[position] for key in keys}) == len(KEY_ALPHABET), position
