"""The member's own page links: who a link names (if it still may), and revoking every link handed out.

A link carries the member's ``link_version``; raising it revokes every older link at once (a lost phone, a
forwarded message), while the member gets a fresh one from staff. An erased member's links name nobody.
"""

from __future__ import annotations

from sqlmodel import Session

from loyalty.core.errors import NotFound
from loyalty.core.tokens import PageLink
from loyalty.members.registration import get_member
from loyalty.models.members import Member

_REVOKED = "this link is not valid / bu bağlantı geçerli değil"


def page_link_member(session: Session, link: PageLink) -> Member:
    """The member a valid link names; NotFound when it was revoked (or the member erased)."""
    try:
        member = get_member(session, link.member_id)
    except NotFound:
        raise NotFound(_REVOKED) from None
    if member.link_version != link.version:
        raise NotFound(_REVOKED)
    return member


def revoke_page_links(session: Session, member_id: int) -> Member:
    """Every page link handed out to the member stops working; the next one made works. Flushes."""
    member = get_member(session, member_id)
    member.link_version += 1
    session.add(member)
    session.flush()
    return member
