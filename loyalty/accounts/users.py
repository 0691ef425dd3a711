"""Creating users and checking their passwords (Argon2 through pwdlib)."""

from __future__ import annotations

from pwdlib import PasswordHash
from sqlmodel import Session, select

from loyalty.core.errors import Conflict, Invalid
from loyalty.models.users import Role, User

_hasher = PasswordHash.recommended()


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
