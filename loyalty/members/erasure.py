"""KVKK erase: a member's personal data goes, anonymous aggregates and the coupon audit stay.

What goes: name, phone, e-mail (the row keeps a placeholder phone, unique per id), occasions with their
purposes, every message's body (its context), address and error text, the card's printed name, feedback
comments, stored answers of retried requests that quote the member. What stays: the member id with their
purchases, coupons and redemptions, message counts and states, the consent ledger (ids, channels, codes and
times only). The member's links stop working: ``get_member`` and every token reader refuse an erased member.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select, update

from loyalty.core.clock import utcnow
from loyalty.core.errors import NotFound
from loyalty.members.consent import record_consent
from loyalty.members.registration import get_member
from loyalty.messaging import pass_updates
from loyalty.models.cards import Card, CardStatus
from loyalty.models.idempotency import KEYS
from loyalty.models.members import Channel, Member
from loyalty.models.messages import EVENTS, MESSAGES, MessageState
from loyalty.models.occasions import Occasion
from loyalty.models.purchases import Feedback
from loyalty.models.shop import MemberRequest, RequestKind, RequestStatus

ERASE_SOURCE = "kvkk erase"


def erased_phone(member_id: int) -> str:
    """The placeholder kept in the unique phone column (no person's number)."""
    return f"erased:{member_id}"


def erase_member(session: Session, member_id: int, *, actor: str, now: datetime | None = None) -> Member:
    """Erase the member's personal data (NotFound if unknown or already erased)."""
    member = get_member(session, member_id)
    now = now or utcnow()
    for channel, opted_in in ((Channel.sms, member.sms_opt_in), (Channel.email, member.email_opt_in)):
        if opted_in:  # the opt-out goes to the ledger (and to İYS) before the address goes
            record_consent(session, member, channel, False, source=ERASE_SOURCE, actor=actor, now=now)
    quoted = [text for text in (member.full_name, member.phone, member.email) if text]
    messages = MESSAGES.c
    session.execute(
        sa.update(MESSAGES)
        .where(messages.member_id == member_id, messages.state == MessageState.queued)
        .values(state=MessageState.cancelled, error_message="member erased", updated_at=now)
    )
    session.execute(
        sa.update(MESSAGES)
        .where(messages.member_id == member_id, messages.state != MessageState.cancelled)
        .values(context={}, to_address=None, error_message=None)
    )
    session.execute(  # the fate of what was still to go stays readable: a reason, never personal data
        sa.update(MESSAGES)
        .where(messages.member_id == member_id, messages.state == MessageState.cancelled)
        .values(context={}, to_address=None)
    )
    session.execute(
        sa.update(EVENTS)
        .where(EVENTS.c.message_id.in_(sa.select(messages.id).where(messages.member_id == member_id)))
        .values(detail="")
    )
    session.execute(delete(Occasion).where(col(Occasion.member_id) == member_id))
    session.execute(
        update(Card)
        .where(col(Card.member_id) == member_id)
        .values(
            holder_name="",
            status=sa.case(
                (col(Card.status) == CardStatus.active, CardStatus.revoked.value), else_=col(Card.status)
            ),
        )
    )
    session.execute(update(Feedback).where(col(Feedback.member_id) == member_id).values(comment=None))
    pass_updates.members_changed(session, [member_id], now)  # the wallet pass: voided, the name gone
    response_text = sa.cast(KEYS.c.response, sa.Text)
    for text in quoted:
        session.execute(sa.delete(KEYS).where(response_text.contains(text, autoescape=True)))
    session.execute(
        update(MemberRequest)
        .where(col(MemberRequest.member_id) == member_id, col(MemberRequest.status) == RequestStatus.open)
        .values(status=RequestStatus.done, handled_by=actor, handled_at=now)
    )
    member.full_name = ""
    member.name_search = ""
    member.phone = erased_phone(member_id)
    member.email = None
    member.phone_valid = False
    member.erased_at = now
    session.add(member)
    session.flush()
    session.expire_all()  # rows changed by the statements above are re-read
    return member


def open_request(session: Session, member_id: int, kind: RequestKind | str) -> MemberRequest:
    """The member asks for an export or an erase; an open request of that kind is returned, not doubled."""
    kind = RequestKind(kind)
    get_member(session, member_id)
    existing = session.exec(
        select(MemberRequest).where(
            MemberRequest.member_id == member_id,
            MemberRequest.kind == kind,
            MemberRequest.status == RequestStatus.open,
        )
    ).first()
    if existing is not None:
        return existing
    request = MemberRequest(member_id=member_id, kind=kind)
    session.add(request)
    session.flush()
    return request


def list_requests(
    session: Session, *, status: RequestStatus | None = RequestStatus.open
) -> list[MemberRequest]:
    query = select(MemberRequest)
    if status is not None:
        query = query.where(MemberRequest.status == status)
    return list(session.exec(query.order_by(col(MemberRequest.id))).all())


def request_names(session: Session, member_ids: list[int]) -> dict[int, str]:
    """The names of the members who asked (an erased member has none left to show)."""
    if not member_ids:
        return {}
    rows = session.exec(select(Member.id, Member.full_name).where(col(Member.id).in_(set(member_ids)))).all()
    return {member_id: name for member_id, name in rows if member_id is not None and name}


def close_request(
    session: Session, request_id: int, *, actor: str, now: datetime | None = None
) -> MemberRequest:
    request = session.get(MemberRequest, request_id)
    if request is None:
        raise NotFound("members.request_id_unknown", request_id=request_id)
    if request.status == RequestStatus.open:
        request.status = RequestStatus.done
        request.handled_by = actor
        request.handled_at = now or utcnow()
        session.add(request)
        session.flush()
    return request
