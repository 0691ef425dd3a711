"""Creating users and checking their passwords (Argon2 through pwdlib)."""

from __future__ import annotations

from pwdlib import PasswordHash
from sqlmodel import Session, col, func, select

from loyalty.core.errors import Conflict, Invalid, NotFound
from loyalty.models.users import Role, User

_hasher = PasswordHash.recommended()


def create_user(
    session: Session, username: str, password: str, role: Role | str, full_name: str = ""
) -> User:
    username = check_new_user(username, password)
    try:
        role = Role(role)
    except ValueError as exc:
        raise Invalid("role", "accounts.role_one", value=', '.join(r.value for r in Role)) from exc
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict("accounts.user_already_exists", username=repr(username))
    user = User(username=username, full_name=full_name, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user


def check_new_user(username: str, password: str) -> str:
    """The stripped username, or Invalid naming the field: a name is required, a password of 8 or more."""
    username = username.strip()
    if not username:
        raise Invalid("username", "accounts.username_required")
    if len(password) < 8:
        raise Invalid("password", "accounts.password_least_8_characters")
    return username


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        _hasher.hash(password)  # same work either way: no timing hint that the user exists
        return None
    if not user.is_active or not _hasher.verify(password, user.password_hash):
        return None
    return user


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise Invalid("password", "accounts.password_least_8_characters")


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))).all())


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("accounts.user_id_unknown", user_id=user_id)
    return user


def user_by_username(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise NotFound("accounts.user_unknown", username=repr(username))
    return user


def _active_admins(session: Session, *, but: int | None) -> int:
    query = (
        select(func.count())
        .select_from(User)
        .where(User.role == Role.admin, col(User.is_active).is_(True), User.id != but)
    )
    return int(session.exec(query).one())


def update_user(
    session: Session,
    user_id: int,
    *,
    role: Role | str | None = None,
    is_active: bool | None = None,
    full_name: str | None = None,
    acting_user_id: int | None = None,
) -> User:
    """Re-role, disable or enable a user; the last active admin cannot be demoted or disabled, nor can an
    admin disable themself. Disabling bumps ``token_version`` (older tokens stop working)."""
    user = get_user(session, user_id)
    try:
        new_role = user.role if role is None else Role(role)
    except ValueError as exc:
        raise Invalid("role", "accounts.role_one", value=', '.join(r.value for r in Role)) from exc
    new_active = user.is_active if is_active is None else is_active
    if not new_active and user.is_active and user.id == acting_user_id:
        raise Invalid("is_active", "accounts.you_disable_yourself")
    was_admin = user.role == Role.admin and user.is_active
    if (
        was_admin
        and not (new_role == Role.admin and new_active)
        and _active_admins(session, but=user.id) == 0
    ):
        raise Conflict("accounts.last_active_admin_stay_active")
    if user.is_active and not new_active:
        user.token_version += 1
    user.role = new_role
    user.is_active = new_active
    if full_name is not None:
        user.full_name = full_name.strip()[:200]
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user_id: int, password: str) -> User:
    """A new password; older access tokens stop working (``token_version``)."""
    _check_password(password)
    user = get_user(session, user_id)
    user.password_hash = _hasher.hash(password)
    user.token_version += 1
    session.add(user)
    session.flush()
    return user
