"""Dependencies: the request's session, settings and the signed-in user with a role check.

Routes commit explicitly before they answer: FastAPI runs code after ``yield`` only after the response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Annotated

from anyio import CancelScope
from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from api.errors import request_language
from loyalty.accounts.audit import set_actor
from loyalty.core.db import MAX_ID, READ_ONLY
from loyalty.core.errors import Forbidden, Unauthorized
from loyalty.core.settings import Settings
from loyalty.core.tokens import AccessClaims, read_access_token
from loyalty.models.users import Role, User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_settings(request: Request) -> Settings:  # async: no thread-pool call to read app state
    settings: Settings = request.app.state.settings
    return settings


READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_first(request: Request) -> None:
    """A route dependency (listed before the session) for a route that reads, works without the database
    (hashes a password), then writes in a new transaction: SQLite's write lock is not held meanwhile."""
    request.state.reads_first = True


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session; a GET reads without queueing for SQLite's write lock (see loyalty.core.db).

    Async, so opening it (no I/O: the connection comes with the first query) and closing it after a route
    that committed (the connection went back to the pool at the commit) cost no thread-pool call; only a
    session still in a transaction (a read, a failed route) is closed in a thread: its rollback is I/O."""
    engine = request.app.state.engine
    if request.method in READING_METHODS or getattr(request.state, "reads_first", False):
        engine = engine.execution_options(**{READ_ONLY: True})
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        with CancelScope(shield=True):  # a client gone meanwhile must not leave the connection checked out
            if session.in_transaction():
                await run_in_threadpool(session.close)
            else:
                session.close()


IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]  # a row id in the path: out of range is a 422
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]
LangDep = Annotated[str, Depends(request_language)]  # Accept-Language, the pages' cookie, the shop's locale


async def access_claims(settings: SettingsDep, token: TokenDep) -> AccessClaims:
    """The bearer token's claims; 401 without a valid one (async: decoding needs no thread, no database)."""
    claims = read_access_token(settings, token) if token else None
    if claims is None:
        raise Unauthorized("auth.not_signed_in")
    return claims


ClaimsDep = Annotated[AccessClaims, Depends(access_claims)]


def signed_in_user(session: Session, claims: AccessClaims, roles: Iterable[Role] = ()) -> User:
    """The token's user, still active and not revoked since; with ``roles``, one of them (admin always
    passes) or 403. Every write of the session from now on goes to the audit log under that user.

    A dependency (``current_user``) or, on a hot path, called by the route in the same thread-pool call as
    its own work (``api.routes.purchases``): one thread hand-off and one connection checkout per request."""
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active or user.token_version != claims.version:
        raise Unauthorized("auth.not_signed_in")  # disabled, or the password changed since: revoked
    set_actor(session, f"user:{user.username}")
    if roles:
        check_role(user, roles)
    return user


def current_user(session: SessionDep, claims: ClaimsDep) -> User:
    return signed_in_user(session, claims)


CurrentUser = Annotated[User, Depends(current_user)]


def check_role(user: User, roles: Iterable[Role]) -> None:
    """403 unless the user has one of ``roles`` (admin always passes)."""
    allowed = {*roles, Role.admin}
    if user.role not in allowed:
        raise Forbidden("auth.role_needed", roles=" or ".join(sorted(r.value for r in allowed)))


def require_role(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A dependency that lets through the given roles (admin always passes) and answers 403 otherwise
    (async: a comparison needs no thread-pool call)."""

    async def check(user: CurrentUser) -> User:
        check_role(user, roles)
        return user

    return check


StaffUser = Annotated[User, Depends(require_role(Role.staff))]
MarketingUser = Annotated[User, Depends(require_role(Role.marketing))]
AnyUser = Annotated[User, Depends(require_role(Role.staff, Role.marketing))]
AdminUser = Annotated[User, Depends(require_role(Role.admin))]
