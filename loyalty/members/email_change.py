"""A member adds or changes their e-mail address from their own page: nothing changes until they open the
confirmation link sent to that address; consent for offers there applies only then, and only if asked.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from loyalty.core import jobs
from loyalty.core.errors import Invalid
from loyalty.core.settings import Settings
from loyalty.core.tokens import EmailConfirmation, email_confirm_url
from loyalty.members.consent import record_consent
from loyalty.members.registration import get_member, update_member
from loyalty.members.schemas import ConsentChoice, MemberUpdate
from loyalty.members.validation import normalize_email
from loyalty.messaging.outbox import SEND_TASK, NewMessage, queue_messages
from loyalty.messaging.reach import EMAIL_CONFIRMATION
from loyalty.models.members import Channel, Member
from loyalty.models.messages import Category

SOURCE = "self_service"


def request_email_change(
    session: Session, member: Member, raw_email: str, *, consent: bool, settings: Settings, now: datetime
) -> str:
    """Queue the confirmation e-mail to the new address (Invalid("email") when it is not one); returns the
    normalized address. The member's record is unchanged until the link is opened. Flushes."""
    email = normalize_email(raw_email)
    if email is None:
        raise Invalid("email", "an e-mail address is required / e-posta adresi gerekli")
    assert member.id is not None
    ids = queue_messages(
        session,
        [
            NewMessage(
                member_id=member.id,
                requested_channel="email",
                dedupe_key=f"email_confirmation:{member.id}:{email}:{now:%Y%m%d%H%M%S}",
                purpose=EMAIL_CONFIRMATION,
                category=Category.transactional,
                locale=member.locale,
                context={
                    "confirm_address": email,
                    "confirm_url": email_confirm_url(settings, member.id, email, consent),
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
    (a new address starts without consent, in the ledger). Flushes."""
    member = get_member(session, confirmation.member_id)
    if member.email == confirmation.email:  # already theirs (or the link opened twice)
        if confirmation.consent and not member.email_opt_in:
            record_consent(session, member, Channel.email, True, source=SOURCE, actor="member")
        return member
    change = MemberUpdate(
        email=confirmation.email,
        consent=ConsentChoice(email=confirmation.consent),
        consent_source=SOURCE,
    )
    return update_member(session, confirmation.member_id, change, actor="member")
