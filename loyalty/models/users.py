"""The staff users table and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.clock import utcnow
from loyalty.core.db import UTCDateTime


class Role(StrEnum):
    staff = "staff"
    marketing = "marketing"
    admin = "admin"


class UserBase(SQLModel):
    username: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(default="", max_length=200)
    role: Role = Field(sa_type=sa.String(16))


class User(UserBase, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    token_version: int = 0  # bumped on disable or a password reset: older access tokens stop working
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


MAX_NAME = 64  # the longest username a sign-in failure records


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index("ix_login_failures_username_at", "username", "at"),
        sa.Index("ix_login_failures_address_at", "address", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=MAX_NAME)
    address: str = Field(max_length=64)
    at: datetime = Field(sa_type=UTCDateTime, index=True)


class FirstAdmin(SQLModel, table=True):
    """The one claim (id 1) that the browser's first-admin form was used: its primary key lets one request
    through on both databases, and the row stays, so the form never works again."""

    __tablename__ = "first_admin"
    id: int = Field(default=1, primary_key=True)
    username: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
