"""Account outputs: a user as shown, and the token answer of a sign-in."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from loyalty.models.audit import AuditEntry
from loyalty.models.stores import Store, StoreBase
from loyalty.models.users import Role, User, UserBase


class UserPublic(UserBase):
    id: int


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


# ---- issue 14: users, stores and the audit log as the admin page sees them


class UserAdmin(UserBase):
    id: int
    is_active: bool
    created_at: datetime


class UserCreate(BaseModel):
    username: str
    password: str
    role: Role
    full_name: str = ""


class FirstAdminCreate(BaseModel):
    """The sign-in page's form on an empty database (POST /api/v1/setup/first-admin)."""

    username: str
    password: str
    full_name: str = ""


class FirstAdminState(BaseModel):
    open: bool  # true only while no user exists and the form was never used


class UserChange(BaseModel):
    """PATCH: re-role, disable (is_active false) or enable, rename."""

    role: Role | None = None
    is_active: bool | None = None
    full_name: str | None = None


class PasswordReset(BaseModel):
    password: str


class StorePublic(StoreBase):
    id: int
    created_at: datetime


class StoreCreate(BaseModel):
    name: str
    timezone: str = "Europe/Istanbul"
    code: str | None = None  # default: made from the name
    latitude: float | None = Field(default=None, ge=-90, le=90)  # where it is: a wallet pass's location
    longitude: float | None = Field(default=None, ge=-180, le=180)


class StoreChange(BaseModel):
    name: str | None = None
    timezone: str | None = None
    code: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class StoreSummary(BaseModel):
    """One store's figures: purchases and coupon redemptions recorded there."""

    store: StorePublic
    purchases: int
    revenue: Decimal
    redemptions: int
    members: int  # members whose home store it is


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: int | None
    member_id: int | None
    changes: dict[str, Any]


def user_admin(user: User) -> UserAdmin:
    return UserAdmin.model_validate(user, from_attributes=True)


def store_public(store: Store) -> StorePublic:
    return StorePublic.model_validate(store, from_attributes=True)


def audit_entry_public(entry: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic.model_validate(entry, from_attributes=True)
