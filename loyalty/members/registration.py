"""Registering a member (with their stated consent) and changing their details; one member per phone."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.core.text import search_key
from loyalty.members.consent import record_consent
from loyalty.members.schemas import MemberCreate, MemberUpdate
from loyalty.members.validation import (
    check_channel,
    full_name,
    locale_code,
    normalize_email,
    normalize_phone,
    timezone_name,
)
from loyalty.models.members import Channel, Member
from loyalty.models.stores import known_store


def _conflict(member: Member) -> Conflict:
    return Conflict(
        "members.phone_already_belongs_member",
        phone=member.phone,
        id=member.id,
        full_name=member.full_name,
        extra={
            "member_id": member.id,
            "member": {"id": member.id, "full_name": member.full_name, "phone": member.phone},
        },
    )


def _store(session: Session, store_id: int | None) -> int | None:
    if store_id is not None:
        known_store(session, store_id, "home_store_id")
    return store_id


def _by_phone(session: Session, phone: str) -> Member | None:
    return session.exec(select(Member).where(Member.phone == phone)).first()


def register_member(
    session: Session,
    data: MemberCreate,
    *,
    actor: str,
    default_timezone: str,
    default_locale: str,
    created_by_user_id: int | None = None,
    region: str = "TR",
) -> Member:
    """Register a member and write the stated consent to the ledger (both channels, granted or not).

    The unique phone index is the guard against a double registration: a concurrent insert that lost
    fails inside a SAVEPOINT and becomes the same Conflict (naming the existing member) as a sequential one.
    """
    name = full_name(data.full_name)
    phone = normalize_phone(data.phone, region)
    email = normalize_email(data.email)
    locale = locale_code(data.locale or default_locale)
    timezone = timezone_name(data.timezone or default_timezone)
    preferred = data.preferred_channel or Channel.sms
    check_channel(preferred, email)
    if data.consent.email and not email:
        raise Invalid("email", "members.mail_consent_needs_mail_address")
    source = (data.consent_source or "counter").strip()
    if not source or len(source) > 32:
        raise Invalid("consent_source", "members.consent_source_1_32_characters")
    store_id = _store(session, data.home_store_id)
    existing = _by_phone(session, phone)
    if existing is not None:
        raise _conflict(existing)
    member = Member(
        full_name=name,
        name_search=search_key(name),
        phone=phone,
        email=email,
        locale=locale,
        timezone=timezone,
        preferred_channel=preferred,
        created_by_user_id=created_by_user_id,
        home_store_id=store_id,
    )
    try:
        with session.begin_nested():
            session.add(member)
            session.flush()
    except IntegrityError:
        existing = _by_phone(session, phone)
        if existing is None:  # pragma: no cover - another unique column; should not happen
            raise
        raise _conflict(existing) from None
    record_consent(session, member, Channel.sms, data.consent.sms, source=source, actor=actor)
    record_consent(session, member, Channel.email, data.consent.email, source=source, actor=actor)
    return member


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.erased_at is not None:  # an erased member (KVKK) is not found
        raise NotFound("members.member_id_unknown", member_id=member_id)
    return member


def update_member(
    session: Session, member_id: int, data: MemberUpdate, *, actor: str, region: str = "TR"
) -> Member:
    """Change the fields sent; removing the e-mail address also revokes e-mail consent (in the ledger).

    A changed phone (409 when another member has it) or e-mail address gets a ledger row on its channel:
    granted only if ``data.consent`` re-confirms it for the new address, else not given."""
    member = get_member(session, member_id)
    sent = data.model_fields_set
    changed: list[Channel] = []
    if "full_name" in sent:
        member.full_name = full_name(data.full_name or "")
        member.name_search = search_key(member.full_name)
    if "phone" in sent:
        phone = normalize_phone(data.phone or "", region)
        if phone != member.phone:
            other = _by_phone(session, phone)
            if other is not None:
                raise _conflict(other)
            member.phone = phone
            member.phone_valid = True
            changed.append(Channel.sms)
    if "locale" in sent:
        member.locale = locale_code(data.locale or "")
    if "timezone" in sent:
        member.timezone = timezone_name(data.timezone or "")
    if "preferred_channel" in sent:
        if data.preferred_channel is None:
            raise Invalid("preferred_channel", "members.preferred_channel_sms_email")
        member.preferred_channel = data.preferred_channel
    if "home_store_id" in sent:
        member.home_store_id = _store(session, data.home_store_id)
    if "email" in sent:
        email = normalize_email(data.email)
        if email is not None and email != member.email:
            changed.append(Channel.email)
        member.email = email
    check_channel(Channel(member.preferred_channel), member.email)
    source = (data.consent_source or "counter").strip()
    new_phone = member.phone
    try:
        with session.begin_nested():
            session.add(member)
            session.flush()
    except IntegrityError:
        other = _by_phone(session, new_phone)
        if other is None:  # pragma: no cover - another unique column; should not happen
            raise
        raise _conflict(other) from None
    if member.email is None and member.email_opt_in:
        record_consent(session, member, Channel.email, False, source="email removed", actor=actor)
    for channel in changed:
        confirmed = bool(data.consent and getattr(data.consent, channel.value))
        reason = source if confirmed else f"{channel.value} changed"
        record_consent(session, member, channel, confirmed, source=reason, actor=actor)
    return member
