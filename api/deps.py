"""Dependencies: the request's session, settings and the signed-in user with a role check.

Routes commit explicitly before they answer: FastAPI runs code after ``yield`` only after the response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from loyalty.accounts.audit import set_actor
from loyalty.core.db import MAX_ID, READ_ONLY
from loyalty.core.settings import Settings
from loyalty.core.tokens import read_access_token
from loyalty.models.users import Role, User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_first(request: Request) -> None:
    """A route dependency (listed before the session) for a route that reads, works without the database
    (hashes a password), then writes in a new transaction: SQLite's write lock is not held meanwhile."""
    request.state.reads_first = True


def get_session(request: Request) -> Iterator[Session]:
    """The request's session; a GET reads without queueing for SQLite's write lock (see loyalty.core.db)."""
    engine = request.app.state.engine
    if request.method in READING_METHODS or getattr(request.state, "reads_first", False):
        engine = engine.execution_options(**{READ_ONLY: True})
    with Session(engine, expire_on_commit=False) as session:
        yield session


IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]  # a row id in the path: out of range is a 422
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


def current_user(session: SessionDep, settings: SettingsDep, token: TokenDep) -> User:
    unauthorized = HTTPException(
        status.HTTP_401_UNAUTHORIZED, "not signed in or token expired", headers={"WWW-Authenticate": "Bearer"}
    )
    if not token:
        raise unauthorized
    claims = read_access_token(settings, token)
    user = session.get(User, claims.user_id) if claims is not None else None
    if user is None or claims is None or not user.is_active or user.token_version != claims.version:
        raise unauthorized  # disabled, or the password changed since: the token was revoked
    set_actor(session, f"user:{user.username}")  # every write of this request goes to the audit log
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: Role) -> Callable[[User], User]:
    """A dependency that lets through the given roles (admin always passes) and answers 403 otherwise."""
    allowed = {*roles, Role.admin}

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            needed = " or ".join(sorted(r.value for r in allowed))
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the role {needed}")
        return user

    return check


StaffUser = Annotated[User, Depends(require_role(Role.staff))]
MarketingUser = Annotated[User, Depends(require_role(Role.marketing))]
AnyUser = Annotated[User, Depends(require_role(Role.staff, Role.marketing))]
AdminUser = Annotated[User, Depends(require_role(Role.admin))]
