"""A member adds or changes their e-mail address from their own page: nothing changes until they open the
confirmation link sent to that address; consent for offers there applies only then, and only if asked.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core import jobs
from loyalty.core.errors import Gone, Invalid
from loyalty.core.settings import Settings
from loyalty.core.tokens import EmailConfirmation, email_confirm_url
from loyalty.members.consent import record_consent
from loyalty.members.registration import get_member, update_member
from loyalty.members.schemas import ConsentChoice, MemberUpdate
from loyalty.members.validation import normalize_email
from loyalty.messaging.outbox import SEND_TASK
from loyalty.messaging.queue import MessageRow, queue
from loyalty.messaging.reach import EMAIL_CONFIRMATION
from loyalty.models.members import Channel, Member
from loyalty.models.messages import Category

SOURCE = "self_service"
MEMBERS: sa.Table = Member.__table__  # type: ignore[attr-defined]
USED_LINK = "members.email_link_used"


def _raise_version(session: Session, member_id: int, expected: int | None = None) -> int | None:
    """``email_link_version`` + 1 (only while it is ``expected``): the new version, None when another
    request or use got there first. One statement, so two concurrent uses cannot both pass."""
    stmt = sa.update(MEMBERS).where(MEMBERS.c.id == member_id)
    if expected is not None:
        stmt = stmt.where(MEMBERS.c.email_link_version == expected)
    row = session.execute(
        stmt.values(email_link_version=MEMBERS.c.email_link_version + 1).returning(
            MEMBERS.c.email_link_version
        )
    ).first()
    return None if row is None else int(row[0])


def request_email_change(
    session: Session, member: Member, raw_email: str, *, consent: bool, settings: Settings, now: datetime
) -> str:
    """Queue the confirmation e-mail to the new address (Invalid("email") when it is not one); returns the
    normalized address. The member's record is unchanged until the link is opened. Flushes."""
    email = normalize_email(raw_email)
    if email is None:
        raise Invalid("email", "members.mail_address_required")
    assert member.id is not None
    version = _raise_version(session, member.id)  # every link sent before stops working
    assert version is not None
    ids = queue(
        session,
        [
            MessageRow(
                member_id=member.id,
                requested_channel="email",
                dedupe_key=f"email_confirmation:{member.id}:{email}:{version}",
                purpose=EMAIL_CONFIRMATION,
                category=Category.transactional,
                locale=member.locale,
                context={
                    "confirm_address": email,
                    "confirm_url": email_confirm_url(settings, member.id, email, consent, version=version),
                },
            )
        ],
        now=now,
    )
    for message_id in ids:
        jobs.defer(session, SEND_TASK, message_id)
    return email


def confirm_email_change(session: Session, confirmation: EmailConfirmation) -> Member:
    """The member opened the link: the address becomes theirs; e-mail consent only if they asked for it
    (a new address starts without consent, in the ledger). Flushes.

    A link works once, and only the newest one sent: a used link changes nothing (the page says done when
    the address is still the one it confirmed), an older one is Gone."""
    member = get_member(session, confirmation.member_id)
    if _raise_version(session, confirmation.member_id, confirmation.version) is None:
        session.refresh(member)
        if member.email == confirmation.email:  # opened twice: already done, nothing changes again
            return member
        raise Gone(USED_LINK)
    session.refresh(member)
    if member.email == confirmation.email:  # already theirs
        if confirmation.consent and not member.email_opt_in:
            record_consent(session, member, Channel.email, True, source=SOURCE, actor="member")
        return member
    change = MemberUpdate(
        email=confirmation.email,
        consent=ConsentChoice(email=confirmation.consent),
        consent_source=SOURCE,
    )
    return update_member(session, confirmation.member_id, change, actor="member")
