"""The member's own page links: short keys made and read, who a link names (if it still may), and revoking
every link handed out.

A link is ``/m/{key}``: a random 12-character key (71 bits) kept in ``member_links`` with its expiry and
the member's ``link_version``; raising the version revokes every older link at once (a lost phone, a
forwarded message), while the member gets a fresh one from staff. One key per member, version and day it
was made: every message of that day carries the same link, and a resend of a message the same text. The
long signed links handed out before (a JWT with dots) keep working until they expire. An erased member's
links name nobody.
"""

from __future__ import annotations

import secrets
import string
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from loyalty.core import dialect
from loyalty.core.errors import NotFound
from loyalty.core.tokens import MEMBER_LINK_DAYS, PageLink, read_member_page_token
from loyalty.members.registration import get_member
from loyalty.models.members import Member, MemberLink

_REVOKED = "common.link_invalid"
KEY_ALPHABET = string.ascii_letters + string.digits
KEY_LENGTH = 12  # 62**12 ~ 2**71
KEY_SPACE = len(KEY_ALPHABET) ** KEY_LENGTH
SAMPLE_KEY = "Xk3aB9dE2fGh"  # a preview's stand-in, as long as a real key


def new_key() -> str:
    """Twelve letters and digits, each key as likely as any other: one draw below 62**12 written in base
    62 (one call to the system's random source, not twelve)."""
    number, chars = secrets.randbelow(KEY_SPACE), []
    for _ in range(KEY_LENGTH):
        number, digit = divmod(number, len(KEY_ALPHABET))
        chars.append(KEY_ALPHABET[digit])
    return "".join(chars)


def page_url(base_url: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/m/{key}"


def page_link_key(session: Session, member: Member, *, issued: datetime, days: int = MEMBER_LINK_DAYS) -> str:
    """The member's short link key for the day ``issued`` falls on (made once, then the same); good for
    ``days`` from then. Flushes; safe when two workers make the same member's link at once."""
    return page_link_keys(session, [(member, issued)], days=days)[(member.id or 0, issued.date())]


def page_link_keys(
    session: Session, wanted: list[tuple[Member, datetime]], *, days: int = MEMBER_LINK_DAYS
) -> dict[tuple[int, date], str]:
    """``page_link_key`` for many (member, issued) pairs in two statements: ``{(member id, issued day):
    key}``. A pair whose link exists keeps it (its first message's expiry)."""
    table = MemberLink.__table__  # type: ignore[attr-defined]
    rows: dict[tuple[int, int, date], dict[str, object]] = {}
    for member, issued in wanted:
        assert member.id is not None
        rows.setdefault(
            (member.id, member.link_version, issued.date()),
            {
                "key": new_key(),
                "member_id": member.id,
                "link_version": member.link_version,
                "issued_on": issued.date(),
                "expires_at": issued + timedelta(days=days),
            },
        )
    if not rows:
        return {}
    dialect.insert_each(session, table, [rows[k] for k in sorted(rows)], skip_conflicts=True)
    found = session.execute(
        sa.select(table.c.key, table.c.member_id, table.c.link_version, table.c.issued_on).where(
            table.c.member_id.in_(sorted({m for m, _, _ in rows})),
            table.c.issued_on.in_(sorted({d for _, _, d in rows})),
        )
    )
    return {
        (member_id, issued_on): str(key)
        for key, member_id, version, issued_on in found
        if (member_id, version, issued_on) in rows
    }


def _short_link(session: Session, key: str, now: datetime) -> PageLink:
    link = session.get(MemberLink, key)
    if link is None or link.expires_at <= now:
        raise NotFound(_REVOKED)
    return PageLink(member_id=link.member_id, version=link.link_version)


def read_page_link(session: Session, secret: str, token: str, now: datetime) -> PageLink:
    """A short key or an old long signed link; NotFound when unknown, expired, forged or damaged."""
    if "." in token:  # a signed JWT from before the short links
        return read_member_page_token(secret, token)
    if len(token) != KEY_LENGTH or not token.isalnum():
        raise NotFound(_REVOKED)
    return _short_link(session, token, now)


def page_link_member(session: Session, link: PageLink) -> Member:
    """The member a valid link names; NotFound when it was revoked (or the member erased)."""
    try:
        member = get_member(session, link.member_id)
    except NotFound:
        raise NotFound(_REVOKED) from None
    if member.link_version != link.version:
        raise NotFound(_REVOKED)
    return member


def member_for_link(session: Session, secret: str, token: str, now: datetime) -> Member:
    """The member a page link (short or long) names, if it still may."""
    return page_link_member(session, read_page_link(session, secret, token, now))


def revoke_page_links(session: Session, member_id: int) -> Member:
    """Every page link handed out to the member stops working; the next one made works. Flushes."""
    member = get_member(session, member_id)
    member.link_version += 1
    session.add(member)
    session.execute(sa.delete(MemberLink).where(col(MemberLink.member_id) == member_id))
    session.flush()
    return member


def purge_expired_links(session: Session, now: datetime) -> int:
    """Housekeeping: drop the keys past their expiry. Flushes."""
    result = session.execute(sa.delete(MemberLink).where(col(MemberLink.expires_at) <= now))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def links_of(session: Session, member_id: int) -> list[MemberLink]:
    return list(session.exec(select(MemberLink).where(MemberLink.member_id == member_id)))
