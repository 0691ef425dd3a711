"""Members: the shop's registered customers (tables and the rules of registering and finding them)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import sqlalchemy as sa
from babel import Locale, UnknownLocaleError
from email_validator import EmailNotValidError, validate_email
from pydantic import Field as PydField
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from loyalty.db import UTCDateTime, utcnow
from loyalty.errors import Conflict, Invalid, NotFound
from loyalty.text import fold

SUPPORTED_LOCALES = ("tr", "en")  # message templates exist for these (templates/messages/<locale>)
MAX_SEARCH_WORDS, MAX_SEARCH_CHARS = 10, 100  # a name search: each word is one LIKE over every member


class Channel(StrEnum):
    sms = "sms"
    email = "email"


class MemberBase(SQLModel):
    full_name: str = Field(max_length=200)
    phone: str = Field(max_length=20, unique=True, index=True)  # E.164
    email: str | None = Field(default=None, max_length=254, index=True)
    locale: str = Field(default="tr", max_length=8)
    timezone: str = Field(default="Europe/Istanbul", max_length=64)
    preferred_channel: Channel = Field(default=Channel.sms, sa_type=sa.String(8))


class Member(MemberBase, table=True):
    __tablename__ = "members"
    id: int | None = Field(default=None, primary_key=True)
    name_search: str = Field(max_length=200, index=True)  # loyalty.text.fold(full_name)
    phone_valid: bool = True  # false once the SMS provider reports the number unusable
    # current consent, derived from the ledger (loyalty.consent) and written only by it
    sms_opt_in: bool = False
    email_opt_in: bool = False
    # pause of all promotions ("no reason asked"); paused_until None with paused=True means open-ended
    paused: bool = False
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    home_store_id: int | None = Field(default=None, foreign_key="stores.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConsentChoice(SQLModel):
    sms: bool = False
    email: bool = False


class MemberCreate(SQLModel):
    """Registration at the counter; the service validates and normalizes every field (422 names it)."""

    full_name: str
    phone: str  # any common form: 0532 123 45 67, +90 (532) 123-4567, 5321234567
    email: str | None = None
    locale: str | None = None  # default: the shop's locale
    timezone: str | None = None  # default: the shop's time zone
    preferred_channel: Channel | None = None
    consent: ConsentChoice = PydField(default_factory=ConsentChoice)
    consent_source: str = "counter"


class MemberUpdate(SQLModel):
    """PATCH: only the fields sent are changed (an empty ``email`` removes it and its e-mail consent)."""

    full_name: str | None = None
    email: str | None = None
    locale: str | None = None
    timezone: str | None = None
    preferred_channel: Channel | None = None


class MemberPublic(MemberBase):
    id: int
    consent: ConsentChoice
    phone_valid: bool
    paused: bool
    paused_until: datetime | None
    created_at: datetime


def to_public(member: Member) -> MemberPublic:
    assert member.id is not None
    return MemberPublic(
        id=member.id,
        full_name=member.full_name,
        phone=member.phone,
        email=member.email,
        locale=member.locale,
        timezone=member.timezone,
        preferred_channel=member.preferred_channel,
        consent=ConsentChoice(sms=member.sms_opt_in, email=member.email_opt_in),
        phone_valid=member.phone_valid,
        paused=member.paused,
        paused_until=member.paused_until,
        created_at=member.created_at,
    )


# --- validation -------------------------------------------------------------------------------------


def normalize_phone(raw: str, region: str = "TR") -> str:
    """Any common written form -> E.164 (``0532 123 45 67`` -> ``+905321234567``); Invalid("phone")."""
    text = (raw or "").strip()
    if not text:
        raise Invalid("phone", "phone is required / telefon numarası gerekli")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Invalid("phone", f"{text!r} is not a valid phone number / geçerli bir telefon numarası değil")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str | None) -> str | None:
    """A syntactically valid address (no DNS lookups), normalized; None/blank -> None; Invalid("email")."""
    if raw is None or not raw.strip():
        return None
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise Invalid("email", f"{exc} / geçerli bir e-posta adresi değil") from None


def _full_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise Invalid("full_name", "full name is required / ad soyad gerekli")
    if len(name) > 200:
        raise Invalid("full_name", "full name must have at most 200 characters / en çok 200 karakter")
    return name


def _timezone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("timezone", f"unknown time zone {raw!r} / bilinmeyen saat dilimi") from None
    return raw


def _locale(raw: str) -> str:
    try:
        language = Locale.parse(raw.strip().replace("-", "_")).language
    except (ValueError, TypeError, UnknownLocaleError):
        language = None
    if language not in SUPPORTED_LOCALES:
        raise Invalid(
            "locale", f"locale must be one of {', '.join(SUPPORTED_LOCALES)} / dil tr veya en olmalı"
        )
    return language


def _check_channel(preferred: Channel, email: str | None) -> None:
    if preferred == Channel.email and not email:
        raise Invalid(
            "preferred_channel",
            "e-mail as preferred channel needs an e-mail address / e-posta tercihi için adres gerekli",
        )


def _conflict(member: Member) -> Conflict:
    return Conflict(
        f"phone {member.phone} already belongs to member {member.id} ({member.full_name}) / "
        f"bu telefon numarası zaten kayıtlı: {member.full_name}",
        member_id=member.id,
        member={"id": member.id, "full_name": member.full_name, "phone": member.phone},
    )


def _by_phone(session: Session, phone: str) -> Member | None:
    return session.exec(select(Member).where(Member.phone == phone)).first()


# --- services ---------------------------------------------------------------------------------------


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
    from loyalty.consent import record_consent

    name = _full_name(data.full_name)
    phone = normalize_phone(data.phone, region)
    email = normalize_email(data.email)
    locale = _locale(data.locale or default_locale)
    timezone = _timezone(data.timezone or default_timezone)
    preferred = data.preferred_channel or Channel.sms
    _check_channel(preferred, email)
    if data.consent.email and not email:
        raise Invalid(
            "email", "e-mail consent needs an e-mail address / e-posta izni için e-posta adresi gerekli"
        )
    source = (data.consent_source or "counter").strip()
    if not source or len(source) > 32:
        raise Invalid("consent_source", "consent_source must have 1 to 32 characters / en çok 32 karakter")
    existing = _by_phone(session, phone)
    if existing is not None:
        raise _conflict(existing)
    member = Member(
        full_name=name,
        name_search=fold(name),
        phone=phone,
        email=email,
        locale=locale,
        timezone=timezone,
        preferred_channel=preferred,
        created_by_user_id=created_by_user_id,
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
    if member is None:
        raise NotFound(f"no member with id {member_id} / bu numarada üye yok")
    return member


def update_member(session: Session, member_id: int, data: MemberUpdate, *, actor: str) -> Member:
    """Change the fields sent; removing the e-mail address also revokes e-mail consent (in the ledger)."""
    from loyalty.consent import record_consent

    member = get_member(session, member_id)
    sent = data.model_fields_set
    if "full_name" in sent:
        member.full_name = _full_name(data.full_name or "")
        member.name_search = fold(member.full_name)
    if "locale" in sent:
        member.locale = _locale(data.locale or "")
    if "timezone" in sent:
        member.timezone = _timezone(data.timezone or "")
    if "preferred_channel" in sent:
        if data.preferred_channel is None:
            raise Invalid("preferred_channel", "preferred channel must be sms or email")
        member.preferred_channel = data.preferred_channel
    if "email" in sent:
        member.email = normalize_email(data.email)
    _check_channel(Channel(member.preferred_channel), member.email)
    session.add(member)
    session.flush()
    if member.email is None and member.email_opt_in:
        record_consent(session, member, Channel.email, False, source="email removed", actor=actor)
    return member


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_members(
    session: Session,
    *,
    phone: str | None = None,
    q: str | None = None,
    card: str | None = None,
    limit: int = 50,
    region: str = "TR",
) -> list[Member]:
    """Find members by phone (any written form), by name (Turkish case folding, every word) or card number.

    Criteria given together must all match. An unknown phone or card is an empty list; a card number
    with a wrong check digit is Invalid("card").
    """
    from loyalty.cards import Card, parse_card_number

    phone = (phone or "").strip() or None
    q = (q or "").strip() or None
    card = (card or "").strip() or None
    if phone is None and q is None and card is None:
        raise Invalid("q", "give phone, q (name) or card / telefon, isim veya kart numarası girin")
    query = select(Member)
    if phone is not None:
        query = query.where(Member.phone == normalize_phone(phone, region))
    if q is not None:
        if len(q) > MAX_SEARCH_CHARS or len(q.split()) > MAX_SEARCH_WORDS:
            raise Invalid(
                "q",
                f"search at most {MAX_SEARCH_WORDS} words and {MAX_SEARCH_CHARS} characters / "
                f"arama en çok {MAX_SEARCH_WORDS} kelime ve {MAX_SEARCH_CHARS} karakter olabilir",
            )
        for word in dict.fromkeys(fold(q).split()):
            query = query.where(col(Member.name_search).like(_like(word), escape="\\"))
    if card is not None:
        try:
            number = parse_card_number(card)
        except Invalid as exc:
            raise Invalid("card", exc.message) from None
        query = query.where(col(Member.id).in_(select(Card.member_id).where(Card.number == number)))
    query = query.order_by(col(Member.name_search), col(Member.id)).limit(max(1, min(limit, 500)))
    return list(session.exec(query).all())
