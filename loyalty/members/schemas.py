"""Member inputs and outputs for the API: registration, changes, consent, pause."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, field_validator
from pydantic import Field as PydField
from sqlmodel import SQLModel

from loyalty.members.validation import display_phone
from loyalty.models.members import Channel, ConsentEvent, IysSource, Member, MemberBase, RecipientType
from loyalty.models.shop import MemberRequest, RequestKind, RequestStatus


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
    home_store_id: int | None = PydField(default=None, ge=1, le=2**31 - 1)


class MemberUpdate(SQLModel):
    """PATCH: only the fields sent are changed (an empty ``email`` removes it and its e-mail consent).

    A new phone or e-mail address starts without consent on its channel unless ``consent`` re-confirms it
    (the member said yes for the new address); either way the change is a row in the consent ledger."""

    full_name: str | None = None
    phone: str | None = None
    email: str | None = None
    consent: ConsentChoice | None = None  # re-confirmed consent for a changed address
    consent_source: str = "counter"
    home_store_id: int | None = PydField(default=None, ge=1, le=2**31 - 1)  # null: no home store
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
    phone_display: str = ""  # national form at home (0532 123 45 67), international abroad
    home_store_id: int | None = None


def member_public(member: Member, region: str = "TR") -> MemberPublic:
    assert member.id is not None
    return MemberPublic(
        id=member.id,
        full_name=member.full_name,
        phone=member.phone,
        phone_display=display_phone(member.phone, region),
        email=member.email,
        locale=member.locale,
        timezone=member.timezone,
        preferred_channel=member.preferred_channel,
        consent=ConsentChoice(sms=member.sms_opt_in, email=member.email_opt_in),
        phone_valid=member.phone_valid,
        paused=member.paused,
        paused_until=member.paused_until,
        created_at=member.created_at,
        home_store_id=member.home_store_id,
    )


class ConsentEventPublic(SQLModel):
    id: int
    channel: Channel
    granted: bool
    source: str
    actor: str
    recorded_at: datetime
    recipient_type: RecipientType = RecipientType.BIREYSEL  # İYS
    iys_source: IysSource = IysSource.HS_FIZIKSEL_ORTAM
    consent_at: datetime | None = None  # when given, if it differs from recorded_at (an import's evidence)


class ConsentChange(SQLModel):
    """An API request to grant or revoke one channel (``source`` defaults to the counter)."""

    channel: Channel
    granted: bool
    source: str = "counter"


def consent_event_public(event: ConsentEvent) -> ConsentEventPublic:
    return ConsentEventPublic.model_validate(event, from_attributes=True)


class PauseRequest(BaseModel):
    until: datetime | date | None = None  # a date: the last paused day (member's zone); None: open-ended

    @field_validator("until", mode="before")
    @classmethod
    def _a_bare_day_is_a_date(cls, value: object) -> object:
        """ "2027-01-15" is a day, not midnight starting it (pydantic would read it as a datetime)."""
        if isinstance(value, str) and len(value.strip()) == 10:
            return date.fromisoformat(value.strip())
        return value


class ConsentRequest(BaseModel):
    channel: Channel
    granted: bool


class MemberLink(BaseModel):
    """The member's own page link, for staff to hand over."""

    url: str


class PauseState(BaseModel):
    member_id: int
    paused: bool
    paused_until: datetime | None


# ---- issue 14: KVKK requests and imports


class DataRequest(BaseModel):
    """A member's request from their page: a copy of their data (export) or erasing it (erase)."""

    kind: RequestKind


class DataRequestPublic(SQLModel):
    id: int
    member_id: int
    kind: RequestKind
    status: RequestStatus
    created_at: datetime
    handled_by: str | None
    handled_at: datetime | None
    member_name: str | None = None  # who asked: the admin page names them (None once erased)


def data_request_public(request: MemberRequest, member_name: str | None = None) -> DataRequestPublic:
    view = DataRequestPublic.model_validate(request, from_attributes=True)
    view.member_name = member_name
    return view


class ImportResult(BaseModel):
    dry_run: bool
    rows: int
    created: int
    existing: int
    consent_recorded: int
    consent_kept: int
    errors: int
    error_rows: list[dict[str, Any]]  # the first errors: line, phone, field, error (text), key
    errors_csv: str  # every error, as the CSV report


class EmailChangeRequest(BaseModel):
    """From the member's page: the address to add or change to, and whether offers may go there."""

    email: str
    consent: bool = False


class EmailChangeSent(BaseModel):
    sent_to: str  # the confirmation went there; nothing changes until its link is opened
