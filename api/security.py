"""Bearer tokens (JWT, HS256, signed with the secret key)."""

from __future__ import annotations

from datetime import timedelta

import jwt

from loyalty.db import utcnow
from loyalty.settings import Settings
from loyalty.users import User

ALGORITHM = "HS256"


def create_token(settings: Settings, user: User) -> str:
    now = utcnow()
    claims = {
        "sub": str(user.id),
        "role": str(user.role),
        "iat": now,
        "exp": now + timedelta(minutes=settings.token_minutes),
        "typ": "access",
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def read_token(settings: Settings, token: str) -> int | None:
    """The user id in a valid, unexpired access token; None otherwise."""
    try:
        claims = jwt.decode(
            token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != "access":
        return None
    try:
        return int(claims["sub"])
    except (KeyError, ValueError):
        return None
