from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import CurrentUser, SessionDep, SettingsDep, reads_first
from api.routing import api_router
from loyalty.accounts import throttle
from loyalty.accounts.schemas import Token, UserPublic
from loyalty.accounts.users import authenticate
from loyalty.core.clock import utcnow
from loyalty.core.errors import Phrase, TooManyRequests, Unauthorized
from loyalty.core.tokens import access_token

router = api_router(prefix="/auth", tags=["auth"])


def client_address(request: Request) -> str:
    """The client's address as uvicorn saw it (behind a proxy: from X-Forwarded-For of a trusted proxy,
    see ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


@router.post(
    "/token",
    dependencies=[Depends(reads_first)],  # no write lock held while the password is hashed
    responses={
        401: {"description": "wrong username or password"},
        429: {"description": "too many failed sign-ins: wait the seconds in Retry-After"},
    },
)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Sign in. Failed attempts are throttled per account and address, per address and per account
    (429 with Retry-After; see loyalty.accounts.throttle), before any password is checked."""
    address, now = client_address(request), utcnow()
    wait = throttle.throttled(session, form.username, address, now)
    if wait is not None:
        raise TooManyRequests(
            "auth.throttled",
            scope=Phrase(f"auth.scope.{wait.scope.replace(' ', '_')}"),
            seconds=wait.retry_after,
            headers={"Retry-After": str(wait.retry_after)},
        )
    user = authenticate(session, form.username, form.password)
    session.commit()  # ends the reading transaction (nothing written yet): the writes below start afresh
    if user is None:
        throttle.record_failure(session, form.username, address, now)
        session.commit()
        raise Unauthorized("auth.wrong_password")
    throttle.record_success(session, form.username, address)
    token = Token(
        access_token=access_token(settings, user.id or 0, str(user.role), user.token_version, utcnow()),
        role=str(user.role),
    )
    session.commit()
    return token


@router.get("/me")
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)
