"""Staff, marketing and admin users: hashed passwords and roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pwdlib import PasswordHash
from sqlmodel import Field, Session, SQLModel, select

from loyalty.db import UTCDateTime, utcnow
from loyalty.errors import Conflict, Invalid

_hasher = PasswordHash.recommended()


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
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserPublic(UserBase):
    id: int


def create_user(
    session: Session, username: str, password: str, role: Role | str, full_name: str = ""
) -> User:
    username = username.strip()
    if not username:
        raise Invalid("username", "username is required")
    if len(password) < 8:
        raise Invalid("password", "password must have at least 8 characters")
    try:
        role = Role(role)
    except ValueError as exc:
        raise Invalid("role", f"role must be one of {', '.join(r.value for r in Role)}") from exc
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"user {username!r} already exists")
    user = User(username=username, full_name=full_name, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        _hasher.hash(password)  # same work either way: no timing hint that the user exists
        return None
    if not user.is_active or not _hasher.verify(password, user.password_hash):
        return None
    return user
