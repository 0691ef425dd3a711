"""The member table and the consent ledger."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime


class Channel(StrEnum):
    sms = "sms"
    email = "email"


class RecipientType(StrEnum):
    """İYS's recipient type: a private person or a merchant (tacir)."""

    BIREYSEL = "BIREYSEL"
    TACIR = "TACIR"


class IysSource(StrEnum):
    """İYS's consent source codes (where the consent or refusal was given)."""

    HS_FIZIKSEL_ORTAM = "HS_FIZIKSEL_ORTAM"  # in store, on paper or at the counter
    HS_ISLAK_IMZA = "HS_ISLAK_IMZA"  # a signed form
    HS_WEB = "HS_WEB"
    HS_MESAJ = "HS_MESAJ"  # an SMS (keyword)
    HS_EORTAM = "HS_EORTAM"  # electronic media (e-mail link)
    HS_CAGRI_MERKEZI = "HS_CAGRI_MERKEZI"  # call centre
    # changes the citizen made at İYS itself (pulled back into the ledger)
    IYS_WEB = "IYS_WEB"
    IYS_MOBIL = "IYS_MOBIL"
    IYS_CAGRI_MERKEZI = "IYS_CAGRI_MERKEZI"
    IYS_KISA_MESAJ = "IYS_KISA_MESAJ"


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
    name_search: str = Field(max_length=200, index=True)  # loyalty.core.text.search_key(full_name)
    phone_valid: bool = True  # false once the SMS provider reports the number unusable
    # current consent, derived from the ledger (loyalty.members.consent) and written only by it
    sms_opt_in: bool = False
    email_opt_in: bool = False
    # pause of all promotions ("no reason asked"); paused_until None with paused=True means open-ended
    paused: bool = False
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    home_store_id: int | None = Field(default=None, foreign_key="stores.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # KVKK erase: personal data gone, links and lookups refuse the member (loyalty.members.erasure)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # carried in the member's page links; raised to revoke every link handed out before (loyalty.core.tokens)
    link_version: int = 0
    # carried in e-mail confirmation links: raised by each new request and by each use (single-use, the
    # newest link wins; loyalty.members.email_change)
    email_link_version: int = 0


class ConsentEvent(SQLModel, table=True):
    __tablename__ = "consent_events"
    __table_args__ = (
        sa.Index("ix_consent_events_member_channel", "member_id", "channel", "id"),
        sa.Index("ix_consent_events_recorded_at", "recorded_at"),
        sa.Index("ix_consent_events_iys_state", "iys_state", "iys_next_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    channel: Channel = Field(sa_type=sa.String(8))
    granted: bool
    source: str = Field(max_length=32)  # counter, self_service, sms keyword, email unsubscribe, import, ...
    actor: str = Field(max_length=120)  # "user:alice", "member", "twilio", ...
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # İYS: recipient type, source code and the date the consent was given (an import's evidence date;
    # otherwise recorded_at)
    recipient_type: RecipientType = Field(default=RecipientType.BIREYSEL, sa_type=sa.String(8))
    iys_source: IysSource = Field(default=IysSource.HS_FIZIKSEL_ORTAM, sa_type=sa.String(20))
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the upload to İYS (loyalty.members.iys_sync): pending -> sent | failed; "skipped" for rows that came
    # from İYS itself. İYS's answer (its transaction id, or its error) is kept on the row.
    iys_state: str = Field(default="pending", max_length=8)
    iys_attempts: int = 0
    iys_next_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # not before (retry or lease)
    iys_answer: str | None = Field(default=None, max_length=500)
    iys_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MemberLink(SQLModel, table=True):
    """A short member-page link ``/m/{key}``: a random key kept on the server, expiring at ``expires_at``
    and revoked with the member's ``link_version`` (or by deleting the row). One per member, link version
    and day it was made, so a message's text (link included) is the same at every attempt."""

    __tablename__ = "member_links"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "link_version", "issued_on", name="uq_member_links_day"),
    )
    key: str = Field(primary_key=True, max_length=16)
    member_id: int = Field(foreign_key="members.id", index=True)
    link_version: int = 0
    issued_on: date
    expires_at: datetime = Field(sa_type=UTCDateTime)


class IysSync(SQLModel, table=True):
    """The İYS sync's state, one row (id 1): the pull cursor İYS hands out and what the last runs did."""

    __tablename__ = "iys_sync"
    id: int = Field(default=1, primary_key=True)
    pull_after: str | None = Field(default=None, max_length=200)
    last_push_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_pull_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    last_error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
