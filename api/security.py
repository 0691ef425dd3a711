"""Bearer tokens (JWT, HS256, signed with the secret key)."""

from __future__ import annotations

from dataclasses import dataclass
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
        "ver": user.token_version,  # raised on disable / new password: older tokens stop working
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    version: int


def read_token(settings: Settings, token: str) -> AccessClaims | None:
    """The user and token version in a valid, unexpired access token; None otherwise."""
    try:
        claims = jwt.decode(
            token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != "access":
        return None
    try:
        return AccessClaims(user_id=int(claims["sub"]), version=int(claims["ver"]))
    except (KeyError, TypeError, ValueError):
        return None
