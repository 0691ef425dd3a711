"""Staff, marketing and admin users: hashed passwords and roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pwdlib import PasswordHash
from sqlmodel import Field, Session, SQLModel, col, select

from loyalty.core.db import UTCDateTime, utcnow
from loyalty.core.errors import Conflict, Invalid, NotFound

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
    # carried in access tokens; raised to revoke them all (disable, a new password)
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserPublic(UserBase):
    id: int


MIN_PASSWORD = 8


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            "password", f"password must have at least {MIN_PASSWORD} characters / parola en az 8 karakter"
        )


def create_user(
    session: Session, username: str, password: str, role: Role | str, full_name: str = ""
) -> User:
    username = username.strip()
    if not username:
        raise Invalid("username", "username is required")
    _check_password(password)
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


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))))


def get_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise NotFound(f"no user {username!r} / böyle bir kullanıcı yok")
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    """Enable or disable a user; disabling also revokes every token they hold. Flushes."""
    user = get_user(session, username)
    if user.is_active and not active:
        user.token_version += 1
    user.is_active = active
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """A new password; every token issued before it stops working. Flushes."""
    _check_password(password)
    user = get_user(session, username)
    user.password_hash = _hasher.hash(password)
    user.token_version += 1
    session.add(user)
    session.flush()
    return user
