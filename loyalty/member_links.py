"""The member's self-service link ``/m/{token}``: a signed token naming the member, no password.

Like the unsubscribe link (loyalty.links), the token is a JWT (HS256, the app's secret key) with its own
purpose claim, so neither kind of token can stand in for the other. It has no expiry: the link is meant to
live in old messages; rotating the secret key invalidates every link at once.
"""

from __future__ import annotations

import jwt

from loyalty.errors import NotFound
from loyalty.settings import Settings

_PURPOSE = "member_page"


def member_page_token(secret: str, member_id: int) -> str:
    return jwt.encode({"sub": str(member_id), "p": _PURPOSE}, secret, algorithm="HS256")


def read_member_page_token(secret: str, token: str) -> int:
    """The member id; NotFound for a forged, damaged or foreign token (no hint which)."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "p"]})
        if claims["p"] != _PURPOSE:
            raise ValueError("not a member page token")
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise NotFound("this link is not valid / bu bağlantı geçerli değil") from exc


def member_page_url(settings: Settings, member_id: int) -> str:
    token = member_page_token(settings.secret_key, member_id)
    return f"{settings.public_base_url.rstrip('/')}/m/{token}"
