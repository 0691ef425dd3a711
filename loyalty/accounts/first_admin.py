"""The first admin, created in the browser on an empty database: once, then never again.

Race-safe on both databases: the request first inserts the one claim row (``first_admin``, id 1) in a
savepoint. On PostgreSQL a second request blocks on that primary key until the first commits, then fails
(or, if the first rolled back, goes ahead); on SQLite writers are serialised by BEGIN IMMEDIATE. Only then
are the users counted: a user made another way (``loyalty users create``) also closes the form.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from loyalty.accounts.users import check_new_user, create_user
from loyalty.core.errors import Conflict
from loyalty.models.users import FirstAdmin, Role, User

TAKEN = "accounts.first_admin_exists"


def first_admin_open(session: Session) -> bool:
    """Whether the browser may still create the first admin: never claimed and no user at all."""
    if session.get(FirstAdmin, 1) is not None:
        return False
    return int(session.exec(select(func.count()).select_from(User)).one()) == 0


def create_first_admin(session: Session, username: str, password: str, full_name: str = "") -> User:
    """The first admin, or Conflict (409) when the form was used already or any user exists. Bad input is
    refused before the claim, so a mistyped try does not use up the one chance."""
    check_new_user(username, password)
    if session.get(FirstAdmin, 1) is not None:
        raise Conflict(TAKEN)
    try:
        with session.begin_nested():
            session.add(FirstAdmin(id=1, username=username.strip()[:64]))
    except IntegrityError as exc:
        raise Conflict(TAKEN) from exc
    if int(session.exec(select(func.count()).select_from(User)).one()) > 0:
        raise Conflict(TAKEN)
    return create_user(session, username, password, Role.admin, full_name)
