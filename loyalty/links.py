"""Signed links for members: the one-click unsubscribe link ``/u/{token}`` (per member and channel).

The token is a JWT (HS256, the app's secret key) naming the member and the channel; it has no expiry on
purpose, because an unsubscribe link in an old e-mail must keep working.
"""

from __future__ import annotations

import jwt

from loyalty.errors import NotFound
from loyalty.members import Channel
from loyalty.settings import Settings

_PURPOSE = "unsubscribe"


def unsubscribe_token(secret: str, member_id: int, channel: Channel | str) -> str:
    return jwt.encode({"sub": str(member_id), "ch": str(channel), "p": _PURPOSE}, secret, algorithm="HS256")


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, Channel]:
    """(member id, channel); NotFound for a forged, damaged or foreign token (no hint which)."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "ch", "p"]})
        if claims["p"] != _PURPOSE:
            raise ValueError("not an unsubscribe token")
        return int(claims["sub"]), Channel(claims["ch"])
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise NotFound("this link is not valid / bu bağlantı geçerli değil") from exc


def unsubscribe_url(settings: Settings, member_id: int, channel: Channel | str) -> str:
    token = unsubscribe_token(settings.secret_key, member_id, channel)
    return f"{settings.public_base_url.rstrip('/')}/u/{token}"
