"""The staff users table and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from loyalty.core.db import UTCDateTime, utcnow


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
