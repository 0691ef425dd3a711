"""The card in the phone's wallet: one pass per card, the devices registered for its updates, the update tag.

A pass is made the first time the member downloads it (Apple) or opens the Google Wallet link. Its ``tag``
moves whenever what it shows changes (a coupon issued, redeemed or expired, an occasion added, the card
replaced or erased): Apple's devices ask for the serials changed since the last tag they saw. Tags come from
one counter row (``wallet_tag``), taken under a row lock, so a later tag is never committed before an
earlier one is visible.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime


class WalletPass(SQLModel, table=True):
    __tablename__ = "wallet_passes"
    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="cards.id", ondelete="CASCADE", unique=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", index=True)
    serial: str = Field(max_length=40, unique=True)  # random: the pass's serialNumber and Google object id
    auth_token: str = Field(max_length=64)  # Apple's authenticationToken (ApplePass <token>)
    tag: int = Field(default=0, sa_type=sa.BigInteger, index=True)  # the update tag (wallet_tag's value)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # Last-Modified
    # the newest coupon announced on the lock screen (changeMessage): only a sent wallet message moves it
    announced_coupon_id: int | None = Field(default=None)
    google_saved: bool = False  # a Save to Google Wallet link was handed out: the object exists there
    google_state: str | None = Field(default=None, max_length=16)  # the object's state last sent to Google
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WalletRegistration(SQLModel, table=True):
    """A device registered for a pass's updates (Apple's pass web service)."""

    __tablename__ = "wallet_registrations"
    __table_args__ = (sa.UniqueConstraint("device_id", "pass_id"),)
    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(max_length=100, index=True)  # deviceLibraryIdentifier
    push_token: str = Field(max_length=200)
    pass_id: int = Field(foreign_key="wallet_passes.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WalletTag(SQLModel, table=True):
    """One row (id 1): the last update tag handed out."""

    __tablename__ = "wallet_tag"
    id: int | None = Field(default=None, primary_key=True)
    value: int = Field(default=0, sa_type=sa.BigInteger)


PASSES: sa.Table = WalletPass.__table__  # type: ignore[attr-defined]
REGISTRATIONS: sa.Table = WalletRegistration.__table__  # type: ignore[attr-defined]
TAGS: sa.Table = WalletTag.__table__  # type: ignore[attr-defined]
